// Package decision signs and verifies the decisions people take on a
// promotion (approve, reject, skip-bake, cancel), so that a promotion counts
// only what Drover's API authenticated. The API holds an Ed25519 private key
// and signs a canonical encoding of each decision; the promotion workflow
// knows the public key from its input and verifies. Anything sent straight to
// Temporal (Temporal Web, `temporal workflow signal/update`, a build task that
// reaches the frontend) carries no valid signature and does not count.
//
// The package imports only the standard library: workflows use it, and a
// workflow must stay deterministic.
package decision

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Actions a Statement may name.
const (
	ActionApprove  = "approve"
	ActionReject   = "reject"
	ActionSkipBake = "skip-bake"
	ActionCancel   = "cancel"
)

// Statement is what a signature covers: who decided what, where, through
// which channel, when, and a nonce (the request id) that makes it usable once.
type Statement struct {
	PromotionID string
	// RunID is the promotion's run, when the signer knows it; empty binds
	// the statement to whichever run of PromotionID verifies it.
	RunID       string
	Environment string
	Action      string
	Actor       string
	Groups      []string
	Channel     string
	Comment     string
	Nonce       string
	IssuedAt    time.Time
}

// domain separates Drover's decision signatures from any other use of the key.
const domain = "drover-decision-v1"

// Canonical is the byte string that is signed: the domain and every field,
// each as a big-endian uint32 length followed by its bytes, groups as a count
// followed by each group, the time as Unix nanoseconds. Two statements
// encode equally only when every field is equal.
func (s Statement) Canonical() []byte {
	var b bytes.Buffer
	put := func(v string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(v)))
		b.Write(n[:])
		b.WriteString(v)
	}
	put(domain)
	for _, f := range []string{s.PromotionID, s.RunID, s.Environment, s.Action, s.Actor} {
		put(f)
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s.Groups)))
	b.Write(n[:])
	for _, g := range s.Groups {
		put(g)
	}
	for _, f := range []string{s.Channel, s.Comment, s.Nonce} {
		put(f)
	}
	binary.BigEndian.PutUint64(n[:], uint64(s.IssuedAt.UnixNano()))
	b.Write(n[:])
	return b.Bytes()
}

// Proof travels with a decision: the fields of its Statement that the
// decision does not carry itself, and the signature.
type Proof struct {
	PromotionID string    `json:"promotion_id"`
	RunID       string    `json:"run_id,omitempty"`
	Nonce       string    `json:"nonce"`
	IssuedAt    time.Time `json:"issued_at"`
	KeyID       string    `json:"key_id"`
	Signature   []byte    `json:"signature"`
}

// PublicKey is a verification key and its id.
type PublicKey struct {
	ID  string `json:"id"`
	Key []byte `json:"key"`
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// Errors of Verify. Each says why a decision does not count.
var (
	ErrUnsigned     = errors.New("unsigned: the decision carries no signature of Drover's API")
	ErrUnknownKey   = errors.New("unknown key: the decision is signed by a key this promotion does not trust")
	ErrBadSignature = errors.New("bad signature: the signature does not match the decision")
	ErrNoKeys       = errors.New("no keys: this promotion was started without a decision key, so no decision can be verified")
)

// Signer signs statements with the API's private key.
type Signer struct {
	priv ed25519.PrivateKey
	pub  PublicKey
}

// NewSigner returns a Signer of the Ed25519 key with the given 32-byte seed.
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("decision key: want a %d-byte Ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{priv: priv, pub: PublicKey{ID: KeyID(pub), Key: []byte(pub)}}, nil
}

// ParseSeed decodes a base64 (standard or URL, padded or not) 32-byte seed,
// as DROVER_DECISION_KEY holds it.
func ParseSeed(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != ed25519.SeedSize {
				return nil, fmt.Errorf("decision key: want the base64 of a %d-byte seed, got %d bytes", ed25519.SeedSize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("decision key: not base64")
}

// PublicKey is the key that verifies what s signs.
func (s *Signer) PublicKey() PublicKey {
	return PublicKey{ID: s.pub.ID, Key: append([]byte(nil), s.pub.Key...)}
}

// Sign signs st and returns its proof.
func (s *Signer) Sign(st Statement) Proof {
	return Proof{
		PromotionID: st.PromotionID, RunID: st.RunID, Nonce: st.Nonce, IssuedAt: st.IssuedAt,
		KeyID: s.pub.ID, Signature: ed25519.Sign(s.priv, st.Canonical()),
	}
}

// Verify checks that p signs st with one of keys. It does not check that st
// names the right promotion or that its nonce is fresh: the verifier knows
// those (see the workflows package).
func Verify(keys []PublicKey, st Statement, p *Proof) error {
	if p == nil || len(p.Signature) == 0 {
		return ErrUnsigned
	}
	if len(keys) == 0 {
		return ErrNoKeys
	}
	for _, k := range keys {
		if k.ID != p.KeyID {
			continue
		}
		if len(k.Key) != ed25519.PublicKeySize {
			return ErrUnknownKey
		}
		if !ed25519.Verify(ed25519.PublicKey(k.Key), st.Canonical(), p.Signature) {
			return ErrBadSignature
		}
		return nil
	}
	return ErrUnknownKey
}
