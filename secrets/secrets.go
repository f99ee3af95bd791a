// Package secrets keeps the secrets of projects and their environments:
// values sealed with AES-256-GCM under a key from the worker's and the API's
// configuration (DROVER_SECRETS_KEY), stored by a Store (the ledger), handed
// to the steps that name them and never returned by the API.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MaxValueSize is the largest secret value accepted.
const MaxValueSize = 64 << 10

// ErrNotFound is returned (wrapped) for a secret that is not set.
var ErrNotFound = errors.New("secret not set")

// ErrNoKey is returned (wrapped) when no key is configured.
var ErrNoKey = errors.New("no secrets key configured (DROVER_SECRETS_KEY)")

// Cipher seals and opens secret values with AES-256-GCM. The additional data
// binds a sealed value to its project, environment and name, so a value
// copied into another row of the store does not open.
type Cipher struct {
	aead cipher.AEAD
}

// NewCipher returns a Cipher for a 32-byte key.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	return &Cipher{aead: aead}, nil
}

// CipherFromBase64 returns the Cipher of a base64 (standard or URL, padded or
// not) 32-byte key, as DROVER_SECRETS_KEY holds it. The error never holds the key.
func CipherFromBase64(s string) (*Cipher, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ErrNoKey
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			return NewCipher(key)
		}
	}
	return nil, errors.New("secrets key: not base64 (want 32 random bytes, e.g. from `head -c32 /dev/urandom | base64`)")
}

func additionalData(project, environment, name string) []byte {
	return []byte("drover-secret\x00" + project + "\x00" + environment + "\x00" + name)
}

// Seal encrypts value for the secret name of project (and environment, or "").
func (c *Cipher) Seal(project, environment, name string, value []byte) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	return c.aead.Seal(nonce, nonce, value, additionalData(project, environment, name)), nil
}

// Open decrypts what Seal returned for the same project, environment and name.
func (c *Cipher) Open(project, environment, name string, sealed []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("open secret: sealed value too short")
	}
	v, err := c.aead.Open(nil, sealed[:n], sealed[n:], additionalData(project, environment, name))
	if err != nil {
		return nil, errors.New("open secret: wrong key or tampered value")
	}
	return v, nil
}

// Record is one stored secret. Sealed is empty in listings.
type Record struct {
	Project     string    `json:"project"`
	Environment string    `json:"environment,omitempty"` // "" for a project-wide secret
	Name        string    `json:"name"`
	SetBy       string    `json:"set_by"`
	SetAt       time.Time `json:"set_at"`
	Sealed      []byte    `json:"-"`
}

// Store keeps sealed secrets (the ledger implements it). PutSecret inserts or
// replaces the record of (Project, Environment, Name); ListSecrets returns a
// project's records without their sealed values, by environment then name;
// DeleteSecret returns an error wrapping ErrNotFound when there was none;
// SealedSecrets returns the records of project whose environment is "" or
// environment and whose name is in names, sealed values included.
type Store interface {
	PutSecret(ctx context.Context, r Record) error
	ListSecrets(ctx context.Context, project string) ([]Record, error)
	DeleteSecret(ctx context.Context, project, environment, name string) error
	SealedSecrets(ctx context.Context, project, environment string, names []string) ([]Record, error)
}

// Secrets is the service over a Store and a Cipher.
type Secrets struct {
	Store  Store
	Cipher *Cipher // nil: setting and reading values fails with ErrNoKey
}

var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// ValidName reports why name cannot name a secret (it becomes an environment
// variable, so it must be one), or nil.
func ValidName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("secret name %q: want letters, digits and _ (not first), at most 128", name)
	}
	if strings.HasPrefix(strings.ToUpper(name), "DROVER_") {
		return fmt.Errorf("secret name %q: DROVER_ names are Drover's own", name)
	}
	switch strings.ToUpper(name) {
	case "PATH", "HOME", "LANG", "LD_PRELOAD", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "SHELLOPTS", "IFS":
		return fmt.Errorf("secret name %q: reserved environment variable", name)
	}
	return nil
}

// Set stores value as the secret name of project (and environment, or "").
func (s *Secrets) Set(ctx context.Context, project, environment, name string, value []byte, by string) error {
	if s.Cipher == nil {
		return ErrNoKey
	}
	if err := ValidName(name); err != nil {
		return err
	}
	if len(value) == 0 {
		return fmt.Errorf("secret %s: value is empty", name)
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("secret %s: value is larger than %d bytes", name, MaxValueSize)
	}
	sealed, err := s.Cipher.Seal(project, environment, name, value)
	if err != nil {
		return err
	}
	return s.Store.PutSecret(ctx, Record{Project: project, Environment: environment, Name: name, SetBy: by, SetAt: time.Now().UTC(), Sealed: sealed})
}

// Values returns the values of names for a step of project in environment
// ("" for a build task): an environment's secret wins over the project's of
// the same name. A name set in neither is an error wrapping ErrNotFound.
func (s *Secrets) Values(ctx context.Context, project, environment string, names []string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	if s.Cipher == nil {
		return nil, ErrNoKey
	}
	recs, err := s.Store.SealedSecrets(ctx, project, environment, names)
	if err != nil {
		return nil, err
	}
	// Project-wide first, so that the environment's overwrite them.
	slices.SortStableFunc(recs, func(a, b Record) int { return strings.Compare(a.Environment, b.Environment) })
	out := make(map[string]string, len(names))
	for _, r := range recs {
		if r.Environment != "" && r.Environment != environment {
			continue
		}
		v, err := s.Cipher.Open(r.Project, r.Environment, r.Name, r.Sealed)
		if err != nil {
			return nil, fmt.Errorf("secret %s of %s: %w", r.Name, project, err)
		}
		out[r.Name] = string(v)
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			where := "project " + project
			if environment != "" {
				where += " (or its environment " + environment + ")"
			}
			return nil, fmt.Errorf("secret %s is not set for %s: %w", n, where, ErrNotFound)
		}
	}
	return out, nil
}
