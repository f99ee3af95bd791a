package rest

import "time"

// SetSecretRequest is the body of PUT /api/v1/projects/{project}/secrets/{name}.
type SetSecretRequest struct {
	Value string `json:"value"`
	// Environment scopes the secret to one environment's deploys and checks;
	// empty makes it the project's (its tasks', and every environment's).
	Environment string `json:"environment,omitempty"`
}

// SecretInfo describes a secret; the value is never returned. It answers
// PUT /api/v1/projects/{project}/secrets/{name}.
type SecretInfo struct {
	Project     string    `json:"project"`
	Environment string    `json:"environment,omitempty"`
	Name        string    `json:"name"`
	SetBy       string    `json:"set_by"`
	SetAt       time.Time `json:"set_at"`
}

// SecretList is the body of GET /api/v1/projects/{project}/secrets.
type SecretList struct {
	Secrets []SecretInfo `json:"secrets"`
}
