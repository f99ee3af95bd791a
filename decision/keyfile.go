package decision

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreateSeed reads the base64 seed kept in path, or, when the file does
// not exist, makes a new random one and writes it there with mode 0600, so
// that a development API keeps its key across restarts (and promotions it
// started keep verifying). A file readable by others is refused.
func LoadOrCreateSeed(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		info, serr := os.Stat(path)
		if serr != nil {
			return nil, fmt.Errorf("decision key file: %w", serr)
		}
		if info.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("decision key file %s: mode %v lets others read it; chmod 600 it", path, info.Mode().Perm())
		}
		seed, perr := ParseSeed(string(data))
		if perr != nil {
			return nil, fmt.Errorf("decision key file %s: %w", path, perr)
		}
		return seed, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("decision key file: %w", err)
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("decision key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("decision key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadOrCreateSeed(path) // another process made it meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("decision key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(seed) + "\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("decision key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("decision key file %s: %w", path, err)
	}
	return seed, nil
}
