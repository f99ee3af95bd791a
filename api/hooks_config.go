package api

import (
	"os"
	"strings"
	"unicode"
)

// Environment variable prefixes of the per-project webhook secrets: the
// project name follows, upper-cased, every character other than a letter or
// digit turned into '_' (see HookEnvSuffix).
const (
	// HookSecretPrefix names the secret a forge signs deliveries with (GitLab:
	// the secret token it sends).
	HookSecretPrefix = "DROVER_HOOK_SECRET_"
	// HookSigningPrefix names the optional GitLab signing token: with it,
	// GitLab deliveries must also carry a valid webhook-signature.
	HookSigningPrefix = "DROVER_HOOK_SIGNING_"
)

// HookEnvSuffix is the part of a webhook environment variable naming
// project: "web-app.v2" → "WEB_APP_V2". It is also the key of
// Server.HookSecrets and Server.HookSigning.
func HookEnvSuffix(project string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return unicode.ToUpper(r)
		}
		return '_'
	}, project)
}

// HookSecretsFromEnviron returns the webhook secrets and GitLab signing
// tokens found in environ ("KEY=value" entries, as os.Environ), keyed by
// HookEnvSuffix. Empty values are left out; maps without entries are nil.
func HookSecretsFromEnviron(environ []string) (secrets, signing map[string]string) {
	add := func(m map[string]string, key, value string) map[string]string {
		if key == "" || value == "" {
			return m
		}
		if m == nil {
			m = map[string]string{}
		}
		m[key] = value
		return m
	}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if key, ok := strings.CutPrefix(k, HookSecretPrefix); ok {
			secrets = add(secrets, key, v)
		} else if key, ok := strings.CutPrefix(k, HookSigningPrefix); ok {
			signing = add(signing, key, v)
		}
	}
	return secrets, signing
}

// hookSecret returns the webhook secret of project and its GitLab signing
// token (empty when none).
func (s *Server) hookSecret(project string) (secret, signing string, ok bool) {
	key := HookEnvSuffix(project)
	secret, signing = s.HookSecrets[key], s.HookSigning[key]
	if p, registered := s.Registry.Project(project); registered {
		// The registration may name other variables for this project's
		// secret and signing token: then they alone count, so that no other
		// project's variables (web.app's for web-app) do.
		if p.HookSecretEnv != HookSecretPrefix+key {
			secret = os.Getenv(p.HookSecretEnv)
		}
		if p.HookSigningEnv != "" && p.HookSigningEnv != HookSigningPrefix+key {
			signing = os.Getenv(p.HookSigningEnv)
		}
	}
	return secret, signing, secret != ""
}
