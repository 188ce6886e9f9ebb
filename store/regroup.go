package store

import (
	"fmt"
	"slices"

	"github.com/feedfold/feedfold/dedupe"
)

// regroupAround lets dedupe sort out afresh the stories near an article
// just filed in story id: id and cands, the stories listed under the
// article's strongest terms near its time. It does so only while they hold
// at most dedupe.RegroupLimit clusters and no filler (filler keeps a story
// of its own), and writes back only the stories whose members changed.
// Story ids last: a group keeps the smallest id among its members'
// stories that no earlier group kept.
func (w *writer) regroupAround(id int64, cands []dedupe.StoryCandidate) error {
	// The article's own story is counted as it is now: cands may have
	// been listed before the article joined it.
	s, err := w.loadStory(id)
	if err != nil {
		return err
	}
	ids := []int64{id}
	total, live := s.articles, 1
	for _, c := range cands {
		if c.ID != id {
			ids = append(ids, c.ID)
			total += c.Articles
			// A story merged away since cands were listed has no rows.
			if cand, ok := w.cachedStory(c.ID); !ok || cand.id != 0 {
				live++
			}
		}
	}
	// A cluster holds one article or more, and a story one cluster or
	// more, so this many articles or live stories are surely too many
	// clusters: the bound keeps a large story from being read whole on
	// every article it takes in, and at 10,000 bench articles two regroups
	// in five stopped on the stories' count, which needs no read. One
	// article alone is already its own story.
	if total > 4*dedupe.RegroupLimit || total <= 1 || live > dedupe.RegroupLimit {
		return nil
	}
	members, err := w.neighbourhood(ids)
	if err != nil || members == nil {
		return err
	}
	return w.applyGroups(members, w.store.stories.Regroup(members.list))
}

// members are the clusters of a neighbourhood, with the story each is in.
type members struct {
	list  []dedupe.StoryMember
	story []int64
}

// neighbourhood loads the clusters of the stories ids for Regroup, in
// cluster order; nil when they hold too many clusters or any filler.
func (w *writer) neighbourhood(ids []int64) (*members, error) {
	read, err := w.neighbourRows(ids)
	if err != nil {
		return nil, err
	}
	type row struct {
		cluster, story, published int64
		topic                     dedupe.Topic
	}
	// Whether to regroup at all is known before any topic is decoded.
	clusters := 0
	for i, mr := range read {
		if mr.filler {
			return nil, nil
		}
		if i == 0 || read[i-1].cluster != mr.cluster {
			if clusters++; clusters > dedupe.RegroupLimit {
				return nil, nil
			}
		}
	}
	all := make([]row, 0, len(read))
	for _, mr := range read {
		r := row{cluster: mr.cluster, story: mr.story, published: mr.published}
		if r.topic, err = dedupe.DecodeTopic(mr.topic); err != nil {
			return nil, fmt.Errorf("topic of article %d in cluster %d: %w", mr.article, r.cluster, err)
		}
		all = append(all, r)
	}
	// Weigh every member by the document frequencies of now, so that
	// which of them arrived first does not change how alike they are.
	poolTerms := func(yield func(uint64) bool) {
		for _, r := range all {
			for _, p := range r.topic.Pool {
				if !yield(p.Term) {
					return
				}
			}
		}
	}
	if err := w.lookUpDF(poolTerms); err != nil {
		return nil, err
	}
	idf := w.idfNow()
	m := &members{}
	for _, r := range all {
		t := r.topic.Reweigh(idf)
		n := len(m.list)
		if n > 0 && m.list[n-1].Cluster == r.cluster {
			last := &m.list[n-1]
			size := max(last.Size, t.Size)
			last.Topic = last.Topic.Join(t, 1)
			last.Size = size
			last.First, last.Last = min(last.First, r.published), max(last.Last, r.published)
			last.Articles++
			continue
		}
		t.Pool = nil
		m.list = append(m.list, dedupe.StoryMember{Cluster: r.cluster, Topic: t, First: r.published, Last: r.published, Articles: 1})
		m.story = append(m.story, r.story)
	}
	return m, nil
}

// applyGroups writes Regroup's groups of m back as stories, reading and
// touching only the stories whose members changed.
func (w *writer) applyGroups(m *members, groups [][]int) error {
	// here counts each story's members in the neighbourhood: a group is
	// unchanged when it is all of its story's members and nothing else.
	here := map[int64]int{}
	for _, s := range m.story {
		here[s]++
	}
	target := make([]int64, len(groups))
	kept := map[int64]bool{}
	for g, group := range groups {
		var ids []int64
		for _, i := range group {
			ids = append(ids, m.story[i])
		}
		slices.Sort(ids)
		for _, s := range ids {
			if !kept[s] {
				target[g], kept[s] = s, true
				break
			}
		}
	}
	for g, group := range groups {
		if target[g] != 0 && len(group) == here[target[g]] &&
			!slices.ContainsFunc(group, func(i int) bool { return m.story[i] != target[g] }) {
			continue
		}
		s := storyRow{id: target[g]}
		for k, i := range group {
			mem := m.list[i]
			if k == 0 {
				s.first, s.last = mem.First, mem.Last
			}
			s.articles += mem.Articles
			s.first, s.last = min(s.first, mem.First), max(s.last, mem.Last)
			s.topic = s.topic.Join(mem.Topic, 1)
		}
		var old storyRow
		var err error
		if s.id == 0 {
			s.id, err = w.insertStory(s.first)
		} else {
			old, err = w.loadStory(s.id)
		}
		if err != nil {
			return err
		}
		for _, i := range group {
			if m.story[i] == s.id {
				continue
			}
			if err := w.setClusterStory(m.list[i].Cluster, s.id); err != nil {
				return err
			}
			w.membersChanged(m.story[i], s.id)
		}
		if err := w.saveStory(old, s); err != nil {
			return err
		}
	}
	// Stories no group kept have lost every member.
	var gone []int64
	for id := range here {
		if !kept[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		old, err := w.loadStory(id)
		if err != nil {
			return err
		}
		if err := w.saveStory(old, storyRow{id: id}); err != nil {
			return err
		}
	}
	return nil
}
