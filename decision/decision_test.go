package decision

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sampleStatement() Statement {
	return Statement{PromotionID: "promote/demo/1.0", Environment: "prod", Action: ActionApprove, Actor: "bob",
		Groups: []string{"release"}, Channel: "api", Comment: "ship it", Nonce: "req-1",
		IssuedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
}

func TestSignAndVerify(t *testing.T) {
	s, err := NewSigner(bytes.Repeat([]byte{1}, 32))
	require.NoError(t, err)
	st := sampleStatement()
	p := s.Sign(st)
	keys := []PublicKey{s.PublicKey()}
	require.NoError(t, Verify(keys, st, &p))

	// Every field is covered: changing any one breaks the signature.
	changes := map[string]func(*Statement){
		"promotion": func(s *Statement) { s.PromotionID = "promote/demo/1.1" },
		"run":       func(s *Statement) { s.RunID = "r2" },
		"env":       func(s *Statement) { s.Environment = "staging" },
		"action":    func(s *Statement) { s.Action = ActionReject },
		"actor":     func(s *Statement) { s.Actor = "mallory" },
		"groups":    func(s *Statement) { s.Groups = []string{"release", "admin"} },
		"no groups": func(s *Statement) { s.Groups = nil },
		"channel":   func(s *Statement) { s.Channel = "web" },
		"comment":   func(s *Statement) { s.Comment = "ship it!" },
		"nonce":     func(s *Statement) { s.Nonce = "req-2" },
		"time":      func(s *Statement) { s.IssuedAt = s.IssuedAt.Add(time.Nanosecond) },
		// Field boundaries are part of the encoding: moving bytes between
		// neighbours is a different statement.
		"boundary": func(s *Statement) { s.Actor, s.Environment = "prodbob", "" },
	}
	for name, change := range changes {
		other := sampleStatement()
		change(&other)
		require.ErrorIs(t, Verify(keys, other, &p), ErrBadSignature, name)
	}

	require.ErrorIs(t, Verify(keys, st, nil), ErrUnsigned)
	require.ErrorIs(t, Verify(keys, st, &Proof{Nonce: "req-1"}), ErrUnsigned)
	require.ErrorIs(t, Verify(nil, st, &p), ErrNoKeys)
	other, err := NewSigner(bytes.Repeat([]byte{2}, 32))
	require.NoError(t, err)
	require.ErrorIs(t, Verify([]PublicKey{other.PublicKey()}, st, &p), ErrUnknownKey)
	// A key claiming the signer's id is still checked by its bytes.
	impostor := PublicKey{ID: s.PublicKey().ID, Key: other.PublicKey().Key}
	require.ErrorIs(t, Verify([]PublicKey{impostor}, st, &p), ErrBadSignature)

	// The time survives a round trip through another location.
	moved := st
	moved.IssuedAt = st.IssuedAt.In(time.FixedZone("x", 3600))
	require.NoError(t, Verify(keys, moved, &p))
}

func TestParseSeed(t *testing.T) {
	seed := bytes.Repeat([]byte{0xfb}, 32)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := ParseSeed(" " + enc.EncodeToString(seed) + "\n")
		require.NoError(t, err)
		require.Equal(t, seed, got)
	}
	_, err := ParseSeed(base64.StdEncoding.EncodeToString(seed[:16]))
	require.ErrorContains(t, err, "got 16 bytes")
	_, err = ParseSeed("CHANGE-ME!")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "CHANGE-ME", "a key never appears in errors")
}

func TestLoadOrCreateSeed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "decision-key")
	first, err := LoadOrCreateSeed(path)
	require.NoError(t, err)
	require.Len(t, first, ed25519.SeedSize)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	again, err := LoadOrCreateSeed(path)
	require.NoError(t, err)
	require.Equal(t, first, again, "the key survives a restart")

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = LoadOrCreateSeed(path)
	require.ErrorContains(t, err, "lets others read it")
}
