package dedupe

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets drive the text path every article takes, with whatever
// bytes a stranger's feed holds. Seed corpora are in testdata/fuzz; CI runs
// each target for a few seconds (see .ci/run).

var fuzzSeeds = []string{
	"",
	"Officials said on Tuesday the plan would cost $4.5 billion.",
	"LONDON (Wire) — The “quoted” words, don’t split.\nA hard-wrapped line\ncontinues here.\n\nAlso Read: another story",
	"Ünïcödé ﬁ ligatures and ＦＵＬＬＷＩＤＴＨ and 漢字かな交じり文 and emoji 🎉🎉",
	"a\u0301 combining\u200b zero width\r\nCRLF lines\ttabs",
	"\xff\xfe invalid \xc3 utf-8",
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		toks := Tokens(text)
		for _, tok := range toks {
			if tok == "" || !utf8.ValidString(tok) {
				t.Fatalf("token %q of %q is empty or not UTF-8", tok, text)
			}
		}
		// Tokens are already normal: splitting them again changes nothing,
		// so normalizing is a fixed point and spacing never matters.
		if again := Tokens(strings.Join(toks, " ")); !slices.Equal(again, toks) {
			t.Fatalf("tokens of %q are %q, but re-tokenized give %q", text, toks, again)
		}
		if n := Normalize(text); Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", text, n, Normalize(n))
		}
		if got := HashTokens(nil, text); len(got) != len(toks) {
			t.Fatalf("%d hashes for %d tokens", len(got), len(toks))
		}
	})
}

func FuzzBlocks(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		blocks := Blocks(text)
		var joined []string
		for _, b := range blocks {
			if b.Words == 0 || strings.TrimSpace(b.Text) != b.Text || strings.Contains(b.Text, "\n") {
				t.Fatalf("block %+v of %q: want words, trimmed, one line", b, text)
			}
			if b.Words != len(Tokens(b.Text)) {
				t.Fatalf("block %q says %d words, has %d", b.Text, b.Words, len(Tokens(b.Text)))
			}
			joined = append(joined, b.Text)
		}
		// Splitting into blocks loses no word and adds none: only blank
		// and wordless lines go.
		if got, want := Tokens(strings.Join(joined, "\n")), Tokens(text); !slices.Equal(got, want) {
			t.Fatalf("blocks of %q hold tokens %q, the text %q", text, got, want)
		}
	})
}

func FuzzFingerprint(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add(strings.Repeat("the same five words again ", 40))
	o := DefaultOptions()
	f.Fuzz(func(t *testing.T, text string) {
		fp := o.Fingerprint(text)
		if again := o.Fingerprint(text); !slices.Equal(fp.Signature, again.Signature) || !slices.Equal(fp.Keys, again.Keys) {
			t.Fatalf("fingerprint of %q differs between two runs", text)
		}
		if fp.Shingles == 0 {
			if len(Tokens(text)) > 0 {
				t.Fatalf("%q has words but no shingles", text)
			}
			return
		}
		if len(fp.Signature) != o.SignatureSize || len(fp.Lead) != o.LeadSize || len(fp.Skeleton) != SkeletonSize {
			t.Fatalf("signature sizes %d/%d/%d for %q", len(fp.Signature), len(fp.Lead), len(fp.Skeleton), text)
		}
		if fp.Shingles >= o.MinShingles {
			if want := o.Bands + o.LeadBands + SkeletonBands; len(fp.Keys) != want {
				t.Fatalf("%d band keys, want %d", len(fp.Keys), want)
			}
			// An article is a copy of itself.
			if sim := o.Compare(fp, fp); sim.Kind != Copy || sim.Jaccard != 1 {
				t.Fatalf("%q compared with itself: %+v", text, sim)
			}
		}
		if dec, err := DecodeSignature(EncodeSignature(fp.Signature)); err != nil || !slices.Equal(dec, fp.Signature) {
			t.Fatalf("signature does not survive encoding: %v", err)
		}
	})
}

// FuzzDecodeTopic feeds damaged topic blobs to the decoder, as a damaged
// or foreign database would: an error or a topic, never a panic, and a
// topic it reads writes back to one that reads the same.
func FuzzDecodeTopic(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(EncodeTopic(NewTopic(CountTopic(s, s+" "+s), func(uint64) float64 { return 1.5 })))
	}
	f.Add([]byte("Tpc3\x01\x00\x01\x05\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeTopic(b)
		if err != nil {
			return
		}
		again, err := DecodeTopic(EncodeTopic(got))
		if err != nil {
			t.Fatalf("a decoded topic did not read back: %v", err)
		}
		if len(again.Pool) != len(got.Pool) || len(again.Terms) != len(got.Terms) || len(again.Names.Terms) != len(got.Names.Terms) || again.Size != got.Size {
			t.Fatalf("read back differs: %+v, want %+v", again, got)
		}
	})
}

// FuzzDecodeSignature feeds damaged signature blobs to the decoder: an
// error or values, never a panic, and values it reads write back, raw and
// in the store's form, to the same values.
func FuzzDecodeSignature(f *testing.F) {
	for _, s := range fuzzSeeds {
		sig, lead, skel, facts := DefaultOptions().Fingerprint(s + " " + s).EncodedSignatures()
		for _, b := range [][]byte{sig, lead, skel, facts} {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeSignature(b)
		if err != nil {
			return
		}
		again, err := DecodeSignature(EncodeSignature(got))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("decoded values did not read back: %v, %v", again, err)
		}
		// Narrowing keeps the top 16 bits of a 32-bit form's values and
		// leaves the half form as it is.
		if narrow, err := NarrowSignature(b); err != nil {
			t.Fatalf("a signature that decodes did not narrow: %v", err)
		} else if back, err := DecodeSignature(narrow); err != nil || len(back) != len(got) {
			t.Fatalf("a narrowed signature did not read back: %v", err)
		} else if len(b)%2 == 0 || b[0] != halfMagic {
			for i := range got {
				if back[i] != got[i]>>valueShift {
					t.Fatalf("bin %d narrowed to %d from %d", i, back[i], got[i])
				}
			}
		}
		stored, _, _, _ := Fingerprint{Signature: got}.EncodedSignatures()
		if again, err := DecodeSignature(stored); err != nil || !slices.Equal(again, got) {
			t.Fatalf("decoded values did not read back from the store's form: %v, %v", again, err)
		}
	})
}
