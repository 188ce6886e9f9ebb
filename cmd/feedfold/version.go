package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/feedfold/feedfold/feeds"
	"github.com/spf13/cobra"
)

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print feedfold's version, the commit it was built from, and the Go version",
		Example: `  feedfold version`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			commit, when, modified := "unknown", "", false
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, s := range info.Settings {
					switch s.Key {
					case "vcs.revision":
						commit = s.Value
					case "vcs.time":
						when = s.Value
					case "vcs.modified":
						modified = s.Value == "true"
					}
				}
			}
			if modified {
				commit += " (with uncommitted changes)"
			}
			if when != "" {
				commit += ", " + when
			}
			_, err := fmt.Fprintf(a.stdout, "feedfold %s\ncommit %s\n%s %s/%s\n", feeds.Version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
