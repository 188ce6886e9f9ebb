package store

import (
	"fmt"
	"math/bits"
	"sync"
)

// keyFilter answers, in memory, "may this band key be in the index?", so
// that the LSH probe seeks only the keys that can find something. Most keys
// of most articles are new: in a 20,000-article bench run 64% of probed keys
// found no row, and each of those still cost a B-tree descent into
// band_keys, which at a million articles is a gigabyte the page cache
// cannot hold.
//
// It is a Bloom filter, so it can say "maybe" of a key that is absent (a
// wasted seek) but never "no" of one that is present (a lost candidate):
// the probe finds exactly what it found without it. It holds every key of
// the index and possibly more, since it forgets nothing: keys a batch added
// and then rolled back, or took out with an article's old text, stay as
// harmless maybes.
//
// Like storyCache it is trusted only at the write generation it was built
// at: another process that writes the file moves the generation on, and the
// filter is thrown away, to be built again from band_keys when this process
// has probed enough articles without it to pay for the scan (see due).
type keyFilter struct {
	mu sync.Mutex
	// f is nil when there is no filter; gen is the generation f is valid
	// at.
	f   *bloom
	gen int64
	// unfiltered counts the articles probed since f was last valid.
	unfiltered int64
}

// keyFilterPayback is how many stored articles one unfiltered probe pays
// for scanning: the filter is built once the articles probed without it
// reach 1/keyFilterPayback of the store. A scan reads every key once, and a
// probe with the filter saves most of 48 seeks; the scan is cheap next to
// what a run of that many probes saves, and a one-off ingest of a few
// articles into a large store never pays for it.
const keyFilterPayback = 100

// keysPerArticle is about how many distinct band keys a stored article
// adds to the index: 31 of its 48 in the bench's 20,000 articles, whose
// copies share the rest.
const keysPerArticle = 32

// begin returns the filter valid at generation gen, building it in w's
// transaction when it is due, or nil: the writer then probes every key.
func (c *keyFilter) begin(w *writer, gen int64, probes int) (*bloom, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f != nil && c.gen == gen {
		return c.f, nil
	}
	c.f = nil
	c.unfiltered += int64(probes)
	var stored int64
	if err := w.queryRow(`SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&stored); err != nil {
		return nil, fmt.Errorf("size the key filter: %w", err)
	}
	if c.unfiltered*keyFilterPayback < stored {
		return nil, nil
	}
	// A stored article holds about 31 distinct keys of its 48 (20,000
	// articles of the bench); the room for twice that spares rebuilds.
	f, err := loadBloom(w, int(2*keysPerArticle*stored))
	if err != nil {
		return nil, err
	}
	c.f, c.gen, c.unfiltered = f, gen, 0
	return f, nil
}

// commit records that the filter, with what the batch added, is valid at
// the generation the batch committed at.
func (c *keyFilter) commit(f *bloom, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f != nil && c.f == f {
		c.gen = gen
	}
}

// replace puts f, grown within a batch, in the place of old.
func (c *keyFilter) replace(old, f *bloom) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == old {
		c.f = f
	}
}

// drop forgets the filter, before and after work that writes band keys
// outside the ingest writer.
func (c *keyFilter) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f, c.unfiltered = nil, 0
}

// checkKeyFilter, for checkCaches, fails when a key the filter calls
// absent is stored: the probe would have lost its candidates.
func (w *writer) checkKeyFilter(keys []int64) error {
	for _, k := range keys {
		if w.keys.mayHave(k) {
			continue
		}
		var n int
		if err := w.queryRow(`SELECT COUNT(*) FROM band_keys WHERE key = ?`, k).Scan(&n); err != nil {
			return fmt.Errorf("check the key filter: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("key filter: band key %d is stored under %d articles but the filter says it is absent", k, n)
		}
	}
	return nil
}

// loadBloom builds a filter holding every band key stored, as w's
// transaction sees them, sized for capacity keys. A capacity too small is
// no error: the filter then says "maybe" more often, reports itself full,
// and the next index write rebuilds it larger.
func loadBloom(w *writer, capacity int) (*bloom, error) {
	f := newBloom(capacity)
	// DISTINCT runs on the sorted key index in SQLite, and hands Go each
	// key once instead of once per article holding it.
	rows, err := w.tx.QueryContext(w.ctx, `SELECT DISTINCT key FROM band_keys`)
	if err != nil {
		return nil, fmt.Errorf("build the key filter: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("build the key filter: %w", err)
		}
		f.add(k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("build the key filter: %w", err)
	}
	return f, nil
}

// bloomBitsPerKey is the filter's size at its capacity. At 8 bits and 4
// probes a blocked filter answers "maybe" for about 3% of absent keys; it
// is filled to capacity only just before it is rebuilt at twice the size,
// so most of the time it runs between half and full and the rate is lower.
const bloomBitsPerKey = 8

// bloom is a blocked Bloom filter: each key sets 4 bits within one 512-bit
// block, so a lookup touches one cache line. Band keys are hashes already;
// mix spreads them again so that keys differing in a few bits land apart.
type bloom struct {
	words []uint64
	// shift takes a mixed key's top bits as its block.
	shift uint
	// keys counts the adds that set a new bit; capacity is the count
	// past which the filter is rebuilt larger.
	keys, capacity int
}

const bloomMinKeys = 1 << 16

func newBloom(capacity int) *bloom {
	capacity = max(capacity, bloomMinKeys)
	blocks := (capacity*bloomBitsPerKey + 511) / 512
	logBlocks := bits.Len(uint(blocks - 1))
	return &bloom{words: make([]uint64, 8<<logBlocks), shift: uint(64 - logBlocks), capacity: capacity}
}

// mix is splitmix64's finalizer.
func mix(k int64) uint64 {
	z := uint64(k)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// at returns the block's first word and the four bit positions of key
// within the block's 512 bits.
func (b *bloom) at(k int64) (int, [4]uint) {
	h := mix(k)
	block := 0
	if b.shift < 64 {
		block = int(h >> b.shift)
	}
	return block * 8, [4]uint{uint(h & 511), uint(h>>9) & 511, uint(h>>18) & 511, uint(h>>27) & 511}
}

func (b *bloom) add(k int64) {
	base, pos := b.at(k)
	fresh := false
	for _, p := range pos {
		w, m := &b.words[base+int(p>>6)], uint64(1)<<(p&63)
		if *w&m == 0 {
			*w |= m
			fresh = true
		}
	}
	if fresh {
		b.keys++
	}
}

// full says the filter holds more keys than it was sized for, and its
// "maybe" rate has started to climb.
func (b *bloom) full() bool { return b.keys > b.capacity }

// mayHave says whether key may have been added; false is certain.
func (b *bloom) mayHave(k int64) bool {
	base, pos := b.at(k)
	for _, p := range pos {
		if b.words[base+int(p>>6)]&(uint64(1)<<(p&63)) == 0 {
			return false
		}
	}
	return true
}
