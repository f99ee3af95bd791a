package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// gitlabSignatureTolerance is how far a GitLab signed delivery's
// webhook-timestamp may be from now, against replays of old deliveries.
const gitlabSignatureTolerance = 5 * time.Minute

// errBadSignature is the one answer to a delivery whose signature is wrong:
// it says nothing of what was expected.
func errBadSignature(header string) *httpError {
	return unauthorized("invalid webhook signature in " + header)
}

func errNoSignature(header string) *httpError {
	return unauthorized("missing webhook signature: " + header + " header")
}

// verifyHMAC checks a hex HMAC-SHA256 of body under secret, sent in header
// with an optional prefix ("sha256=" for GitHub). The first header present
// of headers is used.
func verifyHMAC(r *http.Request, body []byte, secret, prefix string, headers ...string) error {
	var header, sig string
	for _, h := range headers {
		if sig = r.Header.Get(h); sig != "" {
			header = h
			break
		}
	}
	if sig == "" {
		return errNoSignature(headers[0])
	}
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(sig), prefix))
	if err != nil || (prefix != "" && !strings.HasPrefix(strings.TrimSpace(sig), prefix)) {
		return errBadSignature(header)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errBadSignature(header)
	}
	return nil
}

// verifyGitLab checks the X-Gitlab-Token, which is the secret itself, and,
// when the project has a signing token, the Standard Webhooks signature
// GitLab adds: webhook-signature holds "v1,<base64 HMAC-SHA256>" entries
// over "<webhook-id>.<webhook-timestamp>.<body>".
func verifyGitLab(r *http.Request, body []byte, secret, signing string, now time.Time) error {
	token := r.Header.Get("X-Gitlab-Token")
	if token == "" {
		return errNoSignature("X-Gitlab-Token")
	}
	// Hashing first keeps the comparison constant-time whatever the lengths.
	got, want := sha256.Sum256([]byte(token)), sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return errBadSignature("X-Gitlab-Token")
	}
	if signing == "" {
		return nil
	}
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errNoSignature("webhook-signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errBadSignature("webhook-timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > gitlabSignatureTolerance || d < -gitlabSignatureTolerance {
		return unauthorized("webhook-timestamp is too far from now")
	}
	mac := hmac.New(sha256.New, signingKey(signing))
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if raw, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(raw, expected) {
			return nil
		}
	}
	return errBadSignature("webhook-signature")
}

// signingKey is the HMAC key of a Standard Webhooks signing token: the
// base64 after "whsec_", or the token's bytes when it has another form.
func signingKey(token string) []byte {
	if b64, ok := strings.CutPrefix(token, "whsec_"); ok {
		if key, err := base64.StdEncoding.DecodeString(b64); err == nil {
			return key
		}
	}
	return []byte(token)
}
