package secrets_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
	"github.com/drover-ci/drover/secrets"
)

func newCipher(t *testing.T) *secrets.Cipher {
	t.Helper()
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	c, err := secrets.CipherFromBase64(base64.StdEncoding.EncodeToString(key))
	require.NoError(t, err)
	return c
}

func TestSecretsInLedger(t *testing.T) {
	ledgertest.ForEach(t, func(t *testing.T, l *ledger.Ledger) {
		ctx := context.Background()
		s := &secrets.Secrets{Store: l, Cipher: newCipher(t)}
		require.NoError(t, s.Set(ctx, "foas", "", "TOKEN", []byte("project-wide-value"), "alice"))
		require.NoError(t, s.Set(ctx, "foas", "prod", "TOKEN", []byte("prod-value"), "bob"))
		require.NoError(t, s.Set(ctx, "foas", "prod", "DB_PASSWORD", []byte("hunter2-prod"), "bob"))
		require.NoError(t, s.Set(ctx, "other", "", "TOKEN", []byte("other-project-value"), "carol"))

		got, err := s.Values(ctx, "foas", "", []string{"TOKEN"})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"TOKEN": "project-wide-value"}, got)
		got, err = s.Values(ctx, "foas", "prod", []string{"TOKEN", "DB_PASSWORD"})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"TOKEN": "prod-value", "DB_PASSWORD": "hunter2-prod"}, got)
		got, err = s.Values(ctx, "foas", "staging", []string{"TOKEN"})
		require.NoError(t, err)
		require.Equal(t, map[string]string{"TOKEN": "project-wide-value"}, got, "staging sees the project's, not prod's")

		// prod's secret is not staging's, nor a build's.
		_, err = s.Values(ctx, "foas", "staging", []string{"DB_PASSWORD"})
		require.ErrorIs(t, err, secrets.ErrNotFound)
		_, err = s.Values(ctx, "foas", "", []string{"DB_PASSWORD"})
		require.ErrorIs(t, err, secrets.ErrNotFound)
		_, err = s.Values(ctx, "nobody", "", []string{"TOKEN"})
		require.ErrorIs(t, err, secrets.ErrNotFound)

		// Rotation replaces the value and who set it.
		require.NoError(t, s.Set(ctx, "foas", "", "TOKEN", []byte("rotated"), "dave"))
		got, err = s.Values(ctx, "foas", "", []string{"TOKEN"})
		require.NoError(t, err)
		require.Equal(t, "rotated", got["TOKEN"])

		list, err := l.ListSecrets(ctx, "foas")
		require.NoError(t, err)
		require.Len(t, list, 3)
		require.Equal(t, []string{"", "prod", "prod"}, []string{list[0].Environment, list[1].Environment, list[2].Environment})
		require.Equal(t, []string{"TOKEN", "DB_PASSWORD", "TOKEN"}, []string{list[0].Name, list[1].Name, list[2].Name})
		require.Equal(t, "dave", list[0].SetBy)
		require.False(t, list[0].SetAt.IsZero())
		for _, r := range list {
			require.Empty(t, r.Sealed, "a listing carries no value")
		}

		// At rest the values are sealed.
		sealed, err := l.SealedSecrets(ctx, "foas", "prod", []string{"TOKEN", "DB_PASSWORD"})
		require.NoError(t, err)
		require.Len(t, sealed, 3)
		for _, r := range sealed {
			for _, plain := range []string{"rotated", "prod-value", "hunter2-prod"} {
				require.False(t, bytes.Contains(r.Sealed, []byte(plain)), "%s stored in the clear", r.Name)
			}
		}

		// A sealed value moved to another secret's row does not open.
		moved := sealed[0]
		moved.Project, moved.Environment, moved.Name = "other", "", "TOKEN"
		require.NoError(t, l.PutSecret(ctx, moved))
		_, err = s.Values(ctx, "other", "", []string{"TOKEN"})
		require.Error(t, err)
		require.NotContains(t, err.Error(), "rotated")

		// Another key opens nothing.
		wrong := &secrets.Secrets{Store: l, Cipher: newCipher(t)}
		_, err = wrong.Values(ctx, "foas", "", []string{"TOKEN"})
		require.Error(t, err)

		require.NoError(t, l.DeleteSecret(ctx, "foas", "prod", "TOKEN"))
		require.ErrorIs(t, l.DeleteSecret(ctx, "foas", "prod", "TOKEN"), secrets.ErrNotFound)
		got, err = s.Values(ctx, "foas", "prod", []string{"TOKEN"})
		require.NoError(t, err)
		require.Equal(t, "rotated", got["TOKEN"], "with prod's gone, prod gets the project's")
	})
}

func TestSetRefuses(t *testing.T) {
	s := &secrets.Secrets{Cipher: newCipher(t)}
	ctx := context.Background()
	for _, name := range []string{"", "1ABC", "A-B", "DROVER_TOKEN", "PATH", "LD_PRELOAD", "a b"} {
		require.Error(t, s.Set(ctx, "foas", "", name, []byte("v"), "alice"), name)
	}
	require.Error(t, s.Set(ctx, "foas", "", "EMPTY", nil, "alice"))
	require.Error(t, s.Set(ctx, "foas", "", "BIG", make([]byte, secrets.MaxValueSize+1), "alice"))
	require.ErrorIs(t, (&secrets.Secrets{}).Set(ctx, "foas", "", "X", []byte("v"), "alice"), secrets.ErrNoKey)
}

func TestCipherFromBase64(t *testing.T) {
	_, err := secrets.CipherFromBase64("")
	require.ErrorIs(t, err, secrets.ErrNoKey)
	_, err = secrets.CipherFromBase64(base64.StdEncoding.EncodeToString([]byte("short")))
	require.Error(t, err)
	_, err = secrets.CipherFromBase64("not base64 !!")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "not base64 !!")
}
