package dedupe

import "slices"

// ClusterPlan is where an article goes among the clusters of its copies:
// into Join, after the clusters in Merge have been folded into Join.
// Join is 0 for a new cluster of its own.
type ClusterPlan struct {
	Join  int64
	Merge []int64
}

// PlaceCluster decides an article's cluster from its copies (Match's
// first result): with none, a cluster of its own; otherwise the oldest
// (smallest id) of its copies' clusters, into which every other one it
// links is merged. Keeping the oldest id means the ids of clusters an
// article does not touch never change, and a merged cluster's id leads to
// the one it joined (the store records where it went).
func PlaceCluster(copies []Match) ClusterPlan {
	if len(copies) == 0 {
		return ClusterPlan{}
	}
	plan := ClusterPlan{Join: copies[0].Cluster}
	for _, m := range copies {
		plan.Join = min(plan.Join, m.Cluster)
	}
	for _, m := range copies {
		if m.Cluster != plan.Join && !slices.Contains(plan.Merge, m.Cluster) {
			plan.Merge = append(plan.Merge, m.Cluster)
		}
	}
	slices.Sort(plan.Merge)
	return plan
}
