package secrets

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
)

// Mask is what a secret value is replaced with.
const Mask = "***"

// minMaskedPart is the shortest line of a multi-line value, or encoded
// form, that is masked on its own: shorter ones would mask common text.
const minMaskedPart = 4

// Masker replaces secret values, their base64 and URL-encoded forms and the
// lines of multi-line values with Mask. Logs are masked line by line, so a
// value that spans lines is masked through its lines. The zero value and a
// nil *Masker mask nothing.
type Masker struct {
	patterns [][]byte // longest first
}

// NewMasker returns a Masker of values (empty ones are ignored).
func NewMasker(values ...string) *Masker {
	seen := map[string]bool{}
	m := &Masker{}
	add := func(p string, min int) {
		if len(p) < min || seen[p] {
			return
		}
		seen[p] = true
		m.patterns = append(m.patterns, []byte(p))
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		add(v, 1)
		for _, form := range []string{
			base64.StdEncoding.EncodeToString([]byte(v)),
			base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)),
			base64.RawURLEncoding.EncodeToString([]byte(v)),
			url.QueryEscape(v),
			url.PathEscape(v),
			strings.TrimRight(v, "\r\n"),
		} {
			add(form, minMaskedPart)
		}
		if strings.ContainsAny(v, "\r\n") {
			for _, line := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
				add(strings.TrimSpace(line), minMaskedPart)
			}
		}
	}
	slices.SortStableFunc(m.patterns, func(a, b []byte) int { return len(b) - len(a) })
	return m
}

// Empty reports whether m masks nothing.
func (m *Masker) Empty() bool { return m == nil || len(m.patterns) == 0 }

// MaskBytes returns b with every pattern replaced; b itself is not changed.
func (m *Masker) MaskBytes(b []byte) []byte {
	if m.Empty() {
		return b
	}
	out := b
	copied := false
	for _, p := range m.patterns {
		if bytes.Contains(out, p) {
			out = bytes.ReplaceAll(out, p, []byte(Mask))
			copied = true
		}
	}
	if !copied {
		return b
	}
	return out
}

// String masks s.
func (m *Masker) String(s string) string {
	if m.Empty() {
		return s
	}
	return string(m.MaskBytes([]byte(s)))
}
