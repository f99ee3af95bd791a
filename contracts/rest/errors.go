package rest

// ErrorBody is the one shape of every error response: {"error": {...}}.
type ErrorBody struct {
	Error ErrorInfo `json:"error"`
}

// ErrorInfo describes what went wrong; Details holds structured items such
// as the positions of a bad definition (DefinitionProblem).
type ErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details,omitempty"`
	// RequestID is the request's X-Request-Id, to quote when reporting a problem.
	RequestID string `json:"request_id,omitempty"`
}

// DefinitionProblem is one detail of a bad_definition error.
type DefinitionProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}
