package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlTypeError matches yaml.v3's complaint about a value of the wrong
// type: `line 3: cannot unmarshal !!str `eight` into int`.
var yamlTypeError = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")

// typeError rewords one of yaml.v3's type errors in the config's terms:
// the key's dotted path, the value, and the form it wants, such as
// "line 3: fetch.timeout: 30 is not a duration; write 30s". Anything it
// does not recognize is returned as it came.
func typeError(root *yaml.Node, e string) string {
	m := yamlTypeError.FindStringSubmatch(e)
	if m == nil {
		return e
	}
	line, _ := strconv.Atoi(m[1])
	key := keyAt(root, line)
	if key == "" {
		key = "value"
	}
	value, goType := m[3], m[4]
	var want string
	switch goType {
	case "time.Duration":
		want = "is not a duration"
		if _, err := strconv.ParseFloat(value, 64); err == nil {
			want += "; write " + value + "s for seconds or " + value + "m for minutes"
		} else {
			want += "; write one like 30s, 15m or 2h"
		}
	case "int", "int64", "int32", "uint64":
		want = "is not a whole number"
	case "float64", "float32":
		want = "is not a number"
	case "bool":
		want = "is not true or false"
	case "string":
		want = "is not text; quote it"
	default:
		switch {
		case strings.HasPrefix(goType, "[]"):
			want = "is not a list; write one item a line, each starting with \"- \""
		case m[2] == "seq":
			want = "is a list where one value belongs"
		default:
			want = "is not a mapping of keys"
		}
	}
	return fmt.Sprintf("line %d: %s: %s %s", line, key, value, want)
}

// keyAt finds the dotted path of the key whose value starts on line,
// with list positions in brackets: "fetch.timeout", "feeds[2].schedule".
func keyAt(root *yaml.Node, line int) string {
	var walk func(n *yaml.Node, path string) string
	walk = func(n *yaml.Node, path string) string {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if p := walk(c, path); p != "" {
					return p
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if v.Line == line && v.Kind == yaml.ScalarNode || k.Line == line && v.Kind != yaml.MappingNode && v.Kind != yaml.SequenceNode {
					return p
				}
				if found := walk(v, p); found != "" {
					return found
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Line == line && c.Kind == yaml.ScalarNode {
					return p
				}
				if found := walk(c, p); found != "" {
					return found
				}
			}
		}
		return ""
	}
	return walk(root, "")
}
