package identity

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/internal/syncbuf"
)

// TestWatchAppliesChangesAndKeepsTheOldFileWhenTheNewOneIsBroken edits a
// real file under a running watcher: a group change applies, a broken file
// is logged at ERROR and changes nothing, a removed user is gone.
func TestWatchAppliesChangesAndKeepsTheOldFileWhenTheNewOneIsBroken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identities.yaml")
	write := func(content string) { require.NoError(t, os.WriteFile(path, []byte(content), 0o600)) }
	write("users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\", groups: [dev]}\n" +
		"  - {name: bob, token_sha256: \"" + bobHash + "\"}\n")
	d, err := Load(path)
	require.NoError(t, err)
	var logs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Watch(ctx, path, 20*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	t.Cleanup(func() { cancel(); <-done })

	groupsOf := func(name string) []string {
		u, ok := d.Lookup(name)
		if !ok {
			return nil
		}
		return u.Groups
	}
	require.Equal(t, []string{"dev"}, groupsOf("alice"))

	write("users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\", groups: [dev, release]}\n" +
		"  - {name: bob, token_sha256: \"" + bobHash + "\"}\n")
	require.Eventually(t, func() bool { return len(groupsOf("alice")) == 2 }, 5*time.Second, 10*time.Millisecond)
	u, err := d.Authenticate(request("Authorization", "Bearer alice-token"))
	require.NoError(t, err)
	require.Equal(t, []string{"dev", "release"}, u.Groups, "tokens see the reloaded groups too")

	write("users:\n  - {name: alice, token_sha256: nope}\n")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "level=ERROR") }, 5*time.Second, 10*time.Millisecond)
	require.Contains(t, logs.String(), "identity file not reloaded")
	require.Equal(t, []string{"dev", "release"}, groupsOf("alice"), "a broken file keeps the old one")
	_, ok := d.Lookup("bob")
	require.True(t, ok)

	write("users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\"}\n")
	require.Eventually(t, func() bool { _, ok := d.Lookup("bob"); return !ok }, 5*time.Second, 10*time.Millisecond)
	_, err = d.Authenticate(request("Authorization", "Bearer bob-token"))
	require.ErrorIs(t, err, ErrBadCredentials, "a removed user's token stops working")
}
