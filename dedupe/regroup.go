package dedupe

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// RegroupLimit is the most clusters a neighbourhood may hold for Regroup
// to sort it out afresh. Past it, stories grow and merge one article at a
// time (Choose and ChooseMerge), whose cost does not depend on how large
// they are. Order matters most while stories are young: the first two or
// three write-ups of an event decide which stories start, and a young
// story is small.
const RegroupLimit = 24

// StoryMember is one cluster of a neighbourhood that Regroup sorts into
// stories: copies always share a story, so a cluster is the unit.
type StoryMember struct {
	Cluster int64
	// Topic is the sum of the cluster's articles' topics; Size is the
	// largest Size among them, which sets the threshold.
	Topic
	// First and Last bound when its articles were published, in Unix
	// seconds.
	First, Last int64
	// Articles is how many articles the cluster holds. Its topic counts
	// once however many it holds; its articles count toward the names two
	// stories of several articles need to share (see ChooseMerge).
	Articles int
}

// Regroup sorts a neighbourhood of story members into stories afresh, by
// agglomerative clustering: again and again, the two groups whose centroids
// are most alike become one, while that similarity reaches the threshold of
// the shorter of the two, their names agree, and they lie within the
// window of each other. Ties go to the pair of smaller cluster ids.
//
// The result depends on the members alone, not on the order they arrived
// in. Filed one at a time, the same five write-ups fell into up to eight
// different groupings over their 120 arrival orders: the first two to
// arrive started a story, or two, and a later article could neither leave
// a story it had joined nor bring two stories together when neither
// centroid had yet grown alike.
//
// It returns the groups as indices into members, each group ascending and
// the groups in the order of their first index.
func (o StoryOptions) Regroup(members []StoryMember) [][]int {
	n := len(members)
	type group struct {
		topic       Topic
		first, last int64
		size        int
		articles    int
		members     []int
		minCluster  int64
	}
	groups := make([]*group, n)
	for i, m := range members {
		// Each write-up counts once, however many copies it has: ten
		// reprints of one wire story say no more about the story's words
		// than the story does.
		groups[i] = &group{topic: Topic{Vector: unit(m.Vector), Names: unit(m.Names)}, first: m.First, last: m.Last, size: m.Size,
			articles: max(m.Articles, 1), members: []int{i}, minCluster: m.Cluster}
	}
	window := int64(o.Window / time.Second)
	// sim[i][j] (i < j) is the similarity of groups i and j when they may
	// merge, -1 when they may not.
	link := func(a, b *group) float64 {
		if a.first > b.last+window || b.first > a.last+window {
			return -1
		}
		sim := Cosine(a.topic.Vector, b.topic.Vector)
		if sim < o.ThresholdFor(min(a.size, b.size)) {
			return -1
		}
		if _, ok := NamesAgree(a.topic.Names, b.topic.Names); !ok {
			return -1
		}
		// Two groups of several articles each are two stories: they
		// become one only if their names agree as ChooseMerge asks.
		if a.articles >= mergeArticles && b.articles >= mergeArticles &&
			(!namesShared(a.topic.Names, b.topic.Names, mergeNames) || !namesShared(b.topic.Names, a.topic.Names, mergeNames)) {
			return -1
		}
		return sim
	}
	sim := make([][]float64, n)
	for i := range sim {
		sim[i] = make([]float64, n)
		for j := i + 1; j < n; j++ {
			sim[i][j] = link(groups[i], groups[j])
		}
	}
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	for {
		bi, bj, best := -1, -1, -1.0
		for i := range n {
			if !alive[i] {
				continue
			}
			for j := i + 1; j < n; j++ {
				if !alive[j] || sim[i][j] < 0 {
					continue
				}
				better := sim[i][j] > best
				if sim[i][j] == best {
					better = pairBefore(groups[i].minCluster, groups[j].minCluster, groups[bi].minCluster, groups[bj].minCluster)
				}
				if better {
					bi, bj, best = i, j, sim[i][j]
				}
			}
		}
		if bi < 0 {
			break
		}
		a, b := groups[bi], groups[bj]
		a.topic = a.topic.Join(b.topic, 1)
		a.first, a.last = min(a.first, b.first), max(a.last, b.last)
		a.size = max(a.size, b.size)
		a.articles += b.articles
		a.members = append(a.members, b.members...)
		a.minCluster = min(a.minCluster, b.minCluster)
		alive[bj] = false
		for k := range n {
			if !alive[k] || k == bi {
				continue
			}
			s := link(a, groups[k])
			if k < bi {
				sim[k][bi] = s
			} else {
				sim[bi][k] = s
			}
		}
	}
	var out [][]int
	for i := range n {
		if alive[i] {
			slices.Sort(groups[i].members)
			out = append(out, groups[i].members)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// unit returns v scaled to unit length.
func unit(v Vector) Vector {
	var norm float64
	for _, w := range v.Weights {
		norm += float64(w) * float64(w)
	}
	if norm == 0 {
		return v
	}
	out := Vector{Terms: v.Terms, Weights: make([]float32, len(v.Weights))}
	f := 1 / math.Sqrt(norm)
	for i, w := range v.Weights {
		out.Weights[i] = float32(float64(w) * f)
	}
	return out
}

// pairBefore orders two candidate pairs by their smaller cluster ids, then
// their larger: the tie-break that keeps Regroup independent of the order
// members are listed in.
func pairBefore(a1, a2, b1, b2 int64) bool {
	al, ah := min(a1, a2), max(a1, a2)
	bl, bh := min(b1, b2), max(b1, b2)
	return al < bl || (al == bl && ah < bh)
}
