package api

import (
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/drover-ci/drover/telemetry"
)

// RequestIDHeader carries a request's id, in the request (honoured when sane)
// and in every response.
const RequestIDHeader = "X-Request-Id"

const requestIDKey = "drover.request_id"

// assignRequestID gives each request an id: the caller's X-Request-Id when it
// is sane, otherwise a new UUID. The id is echoed in the response header, is
// in the request's context (telemetry.RequestID) for log lines, and in error bodies.
func (s *Server) assignRequestID(c *gin.Context) {
	id := c.GetHeader(RequestIDHeader)
	if !saneRequestID(id) {
		id = uuid.NewString()
	}
	c.Set(requestIDKey, id)
	c.Request = c.Request.WithContext(telemetry.WithRequestID(c.Request.Context(), id))
	c.Header(RequestIDHeader, id)
	c.Next()
}

// requestID is the id assignRequestID gave the request, or "".
func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// saneRequestID accepts 1 to 128 characters of letters, digits and -_.:
// so that a caller's id cannot forge log lines or headers.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
		default:
			return false
		}
	}
	return true
}
