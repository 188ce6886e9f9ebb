package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
	"github.com/feedfold/feedfold/web"
)

// browser starts headless Chromium, Debian's, for the page tests. Without
// it the test skips, unless FEEDFOLD_BROWSER=required (as in CI), where a
// missing browser is a failure, not a silent pass.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("FEEDFOLD_BROWSER") == "required" {
			t.Fatal("FEEDFOLD_BROWSER=required and no chromium on PATH (apt-get install chromium)")
		}
		t.Skip("no chromium on PATH; set FEEDFOLD_BROWSER=required to fail instead")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// TestStoryInABrowser opens the site in Chromium as a reader would: the
// list, a story with its write-ups side by side and a copy's changes
// marked, the keys, a read mark, and the hostile article as plain text.
// FEEDFOLD_SCREENSHOT=FILE saves the story page as a PNG.
func TestStoryInABrowser(t *testing.T) {
	ctx := browser(t)
	s, srv, corpus := site(t, web.Options{})
	story := storyOf(t, s, corpus[0].URL)
	evil := storyOf(t, s, hostile.URL)
	// With the real seeds at hand, the story to look at is theirs: four
	// write-ups of one request, and a copy of one with a dateline added
	// and its last paragraph cut.
	want := 1
	if seed := addSeeds(t, s); seed != "" {
		story, want = storyOf(t, s, seed), 4
	}

	// must runs a step that returns a value.
	must := func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?min_sources=1"), chromedp.WaitVisible(`ol.stories li.story`)); err != nil {
		t.Fatal(err)
	}
	firstHeadline := must(chromedp.Run(ctx, chromedp.Text(`ol.stories li.story a.headline`, chromedp.NodeVisible))).(string)
	// j picks the first story and o opens it.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("j"), chromedp.KeyEvent("o"), chromedp.WaitVisible(`.writeup`)); err != nil {
		t.Fatal(err)
	}
	opened := must(chromedp.Run(ctx, chromedp.Text(`h1`, chromedp.NodeVisible))).(string)
	if opened != firstHeadline {
		t.Errorf("j then o opened %q, want the first story %q", opened, firstHeadline)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/stories/%d", srv.URL, story)), chromedp.WaitVisible(`.writeup`)); err != nil {
		t.Fatal(err)
	}
	cards := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.writeup').length`))).(int)
	sameRow := must(chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const w = [...document.querySelectorAll('.writeup')];
		return w.every(e => Math.abs(e.getBoundingClientRect().top - w[0].getBoundingClientRect().top) < 2) })()`))).(bool)
	ins := must(chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { document.querySelectorAll('details.copy').forEach(d => d.open = true);
		return [...document.querySelectorAll('details.copy ins')].filter(e => e.getBoundingClientRect().height > 0).length })()`))).(int)
	if cards != want || ins == 0 || !sameRow {
		t.Errorf("story page: %d write-ups (side by side: %v), %d visible marks of what a copy added", cards, sameRow, ins)
	}
	if path := os.Getenv("FEEDFOLD_SCREENSHOT"); path != "" {
		png := must(chromedp.Run(ctx, chromedp.CaptureScreenshot())).([]byte)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot of story %d in %s", story, path)
	}

	// m marks the story read, through the form and its token.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("m"), chromedp.WaitVisible(`.state.read`)); err != nil {
		t.Errorf("after m the story is not shown read: %v", err)
	}

	// The hostile story: no script ran, no stranger's element exists, and
	// its words show as text.
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/stories/%d", srv.URL, evil)), chromedp.WaitVisible(`.writeup`)); err != nil {
		t.Fatal(err)
	}
	injected := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('main script, main img, main iframe, main b, main i').length`))).(int)
	text := must(chromedp.Run(ctx, chromedp.Text(`.writeup .text`, chromedp.NodeVisible))).(string)
	if injected != 0 || !strings.Contains(text, "<script>alert(4)</script> The harbour strike") {
		t.Errorf("hostile story: %d injected elements, text %q", injected, text)
	}
}

// addSeeds stores ../shared/seeds, each under a source of its own, and a
// copy of seed 001, and returns seed 000's URL; "" when the seeds are
// absent.
func addSeeds(t *testing.T, s *store.Store) string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "..", "shared", "seeds", "*.txt"))
	if len(paths) != 5 {
		return ""
	}
	var items []feeds.Item
	for i, p := range paths {
		read, err := feeds.ReadDropFile(p, "", 0)
		if err != nil || len(read) != 1 {
			t.Fatalf("seed %s: %v", p, err)
		}
		it := read[0]
		it.Source, it.URL, it.GUID = fmt.Sprintf("Seed Outlet %d", i), fmt.Sprintf("https://seed%d.example/story", i), ""
		items = append(items, it)
	}
	cp := items[1]
	paras := strings.Split(strings.TrimSpace(cp.Text), "\n")
	cp.Text = "KYIV (Seed Wire) - " + strings.Join(paras[:len(paras)-1], "\n")
	cp.Source, cp.URL = "Seed Wire", "https://seedwire.example/copy"
	items = append(items, cp)
	if _, err := s.Ingest(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	return items[0].URL
}
