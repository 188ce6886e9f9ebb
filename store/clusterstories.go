package store

// The writer knows the story of each cluster it has looked up or filed
// (clusterStories), and the story cache keeps what committed batches knew
// (storyCache.clusters), so that a cluster's story is read from the
// database once, not for every article that joins it: across a network
// that read was a round trip for one article in five.
//
// Three statements move clusters between stories in bulk, and most
// batches run one of them: a story deleted (its clusters to none), a story
// merged into another, a cluster deleted. The writer follows each
// (storyMoved, clusterDeleted), in its own map at once and in the cache's
// by recording the move, applied to the cache's entries as they are read
// and at the commit. Any other statement that may move clusters makes the
// writer forget what it knew and stop trusting the cache for the batch
// (before), whose commit then starts the cache afresh.

const (
	dropStoryClustersSQL = `UPDATE clusters SET story_id = NULL WHERE story_id = ?`
	moveStoryClustersSQL = `UPDATE clusters SET story_id = ? WHERE story_id = ?`
	deleteClusterSQL     = `DELETE FROM clusters WHERE id = ?`
)

// followsMove reports whether the writer follows what query does to the
// clusters' stories itself, so that before need not forget them.
func followsMove(query string) bool {
	switch query {
	case setClusterStorySQL, dropStoryClustersSQL, moveStoryClustersSQL, deleteClusterSQL:
		return true
	}
	return false
}

// clusterMoves are a batch's changes to the clusters' stories that the
// story cache must take in at the commit.
type clusterMoves struct {
	// stories maps a story whose clusters moved to the story they went to
	// (0 for none).
	stories map[int64]int64
	// gone are the clusters deleted.
	gone map[int64]bool
	// lost says a statement moved clusters in a way not followed: the
	// cache is not to be trusted, and starts afresh at the commit.
	lost bool
}

// storyOfMoved is where a story's clusters are now: the story they were in
// followed through the moves. A cycle would take a story id given again
// (storyMoved then marks the moves lost, and they are not read); the walk
// is bounded all the same.
func (m clusterMoves) storyOfMoved(story int64) int64 {
	for range len(m.stories) {
		to, ok := m.stories[story]
		if !ok || story == 0 {
			break
		}
		story = to
	}
	return story
}

// storyMoved follows a statement that moved every cluster of story from to
// story to (0: the story was deleted).
func (w *writer) storyMoved(from, to int64) {
	for cluster, story := range w.clusterStories {
		if story == from {
			w.clusterStories[cluster] = to
		}
	}
	// The recorded moves are for the clusters the cache holds, which were
	// in their stories as the batch began. The first move of a story takes
	// all of those; a later one (a merged story deleted, which moves
	// nothing, or an id SQLite gave a new story) concerns only clusters
	// the batch put there, which its own map has just moved.
	if _, again := w.moves.stories[from]; !again {
		w.moves.stories[from] = to
	}
	if _, moved := w.moves.stories[to]; moved && to != 0 {
		// Clusters moved into a story whose id was moved away before: a
		// new story under a reused id, which the moves cannot tell from
		// the old one.
		w.moves.lost = true
	}
}

// clusterDeleted follows the deletion of a cluster.
func (w *writer) clusterDeleted(id int64) {
	delete(w.clusterStories, id)
	w.moves.gone[id] = true
}

// knownClusterStory returns the story of cluster as the batch knows it, or
// as the cache does with the batch's moves applied.
func (w *writer) knownClusterStory(cluster int64) (int64, bool) {
	if story, ok := w.clusterStories[cluster]; ok {
		return story, true
	}
	if w.moves.lost || w.moves.gone[cluster] {
		return 0, false
	}
	story, ok := w.clusterBase[cluster]
	if !ok {
		return 0, false
	}
	return w.moves.storyOfMoved(story), true
}
