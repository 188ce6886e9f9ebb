package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
)

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			out = append(out, slices.Insert(slices.Clone(p), i, n-1))
		}
	}
	return out
}

// TestSeedsInAnyOrder files the five real seed articles of ../shared/seeds
// one at a time, each from a source of its own, in every one of their 120
// arrival orders, with the built-in config a new user runs: 000 to 003
// are one story and 004, another meeting, stands apart, every time.
// Under -race it takes every tenth order, which the plain run covers too.
func TestSeedsInAnyOrder(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "shared", "seeds", "*.txt"))
	if len(paths) != 5 {
		t.Skip("../shared/seeds not present")
	}
	slices.Sort(paths)
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := cfg.Rules()
	if err != nil {
		t.Fatal(err)
	}
	var items []feeds.Item
	for i, p := range paths {
		read, err := feeds.ReadDropFile(p, fmt.Sprintf("Seed Outlet %d", i), 0)
		if err != nil || len(read) != 1 {
			t.Fatalf("seed %s: %v", p, err)
		}
		items = append(items, read[0])
	}
	ctx := context.Background()
	dir := t.TempDir()
	wrong := map[string][]string{}
	for n, order := range permutations(len(items)) {
		if raceDetector && n%10 != 0 {
			continue
		}
		db := filepath.Join(dir, fmt.Sprintf("%d.db", n))
		s, err := store.Open(ctx, db, store.Options{Dedupe: cfg.Dedupe, Rules: rules, Stories: &cfg.Stories})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range order {
			if _, err := s.Ingest(ctx, []feeds.Item{items[i]}); err != nil {
				t.Fatal(err)
			}
		}
		bySource := map[string]int64{}
		err = s.Export(ctx, false, func(a store.ExportArticle) error {
			bySource[a.Source] = a.Story
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		story := make([]int64, len(items))
		for i, it := range items {
			if story[i] = bySource[it.Source]; story[i] == 0 {
				t.Fatalf("seed %d has no story", i)
			}
		}
		s.Close()
		os.Remove(db)
		// The grouping as letters by seed: AAAAB is right.
		letter := map[int64]byte{}
		var got []byte
		for _, id := range story {
			if _, ok := letter[id]; !ok {
				letter[id] = 'A' + byte(len(letter))
			}
			got = append(got, letter[id])
		}
		if string(got) != "AAAAB" {
			wrong[string(got)] = append(wrong[string(got)], fmt.Sprint(order))
		}
	}
	for got, orders := range wrong {
		t.Errorf("seeds grouped %s (want AAAAB) in %d orders, such as %s", got, len(orders), strings.Join(orders[:min(3, len(orders))], ", "))
	}
}
