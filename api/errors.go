package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/drover-ci/drover/pipeline"
)

// Error codes of API error responses.
const (
	codeBadRequest    = "bad_request"
	codeBadDefinition = "bad_definition"
	codeNoDefinition  = "no_definition"
	codeBadRepository = "bad_repository"
	codeNotFound      = "not_found"
	codeConflict      = "conflict"
	// codeIncomplete: a version lacks artifacts its project requires.
	codeIncomplete   = "incomplete_version"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeTooLarge     = "body_too_large"
	codeUnavailable  = "unavailable"
	// codeTooManyRequests: too many failed authentications from one client.
	codeTooManyRequests = "too_many_requests"
	codeInternal        = "internal"
)

// httpError is an error a handler reports with its status and code. Its
// message is shown to the client, so it must never hold internals.
type httpError struct {
	status  int
	code    string
	message string
	details []any
	// retryAfter, when set, is sent as Retry-After (seconds).
	retryAfter int
}

func (e *httpError) Error() string { return e.message }

func errorf(status int, code, format string, args ...any) *httpError {
	return &httpError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// mapErrors writes the error a handler recorded with c.Error as the one JSON
// error shape. Unknown errors become a 500 that says nothing of the cause,
// which is logged instead.
func (s *Server) mapErrors(c *gin.Context) {
	c.Next()
	if len(c.Errors) == 0 {
		return
	}
	err := c.Errors.Last().Err
	he := s.classify(err)
	if he.status >= http.StatusInternalServerError {
		s.logger().ErrorContext(c.Request.Context(), "request failed",
			slog.String("method", c.Request.Method), slog.String("route", c.FullPath()),
			slog.Any("error", err))
	}
	if he.retryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(he.retryAfter))
	}
	if he.status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="drover"`)
	}
	if c.Writer.Written() {
		return // a streamed response already started; nothing more can be said
	}
	c.JSON(he.status, ErrorBody{Error: ErrorInfo{Code: he.code, Message: he.message, Details: he.details, RequestID: requestID(c)}})
}

func (s *Server) classify(err error) *httpError {
	var he *httpError
	var maxBytes *http.MaxBytesError
	var refused *RefusedError
	var missing *NotFoundError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &maxBytes):
		return errorf(http.StatusRequestEntityTooLarge, codeTooLarge,
			"request body is larger than %d bytes", maxBytes.Limit)
	case errors.As(err, &refused) && refused.Forbidden():
		return errorf(http.StatusForbidden, codeForbidden, "%s", refused.Reason)
	case errors.As(err, &refused):
		return errorf(http.StatusConflict, codeConflict, "%s", refused.Reason)
	case errors.Is(err, ErrPromotionFinished):
		return errorf(http.StatusConflict, codeConflict, "%s", ErrPromotionFinished.Error())
	case errors.Is(err, ErrTemporalUnavailable):
		he := errorf(http.StatusServiceUnavailable, codeUnavailable,
			"Temporal is unreachable; retry in %d seconds (a retry is safe: it finds whatever this request did)", TemporalRetryAfter)
		he.retryAfter = TemporalRetryAfter
		return he
	case errors.Is(err, ErrNoAnswer):
		return errorf(http.StatusServiceUnavailable, codeUnavailable, "%s; is a worker running?", ErrNoAnswer.Error())
	case errors.As(err, &missing):
		return errorf(http.StatusNotFound, codeNotFound, "%s", missing.Error())
	case errors.Is(err, ErrNotFound):
		// Whoever returned it did not say what was looked up.
		return errorf(http.StatusNotFound, codeNotFound, "not found")
	case errors.Is(err, ErrBuildRunning):
		return errorf(http.StatusConflict, codeConflict, "%s", ErrBuildRunning.Error())
	}
	if de := definitionError(err); de != nil {
		return de
	}
	var input *pipeline.InputError
	if errors.As(err, &input) {
		return errorf(http.StatusBadRequest, codeBadRequest, "%s", input.Error())
	}
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		// What the request named (an ID, a run) Temporal finds malformed.
		return errorf(http.StatusBadRequest, codeBadRequest, "invalid request: %s", invalid.Message)
	}
	return errorf(http.StatusInternalServerError, codeInternal, "internal error")
}

// definitionError maps the errors of pipeline.Parse to a 400 naming the
// file, line and field of every problem, or returns nil.
func definitionError(err error) *httpError {
	problems := pipeline.AllErrors(err)
	if len(problems) == 0 {
		return nil
	}
	he := errorf(http.StatusBadRequest, codeBadDefinition, "%s", err.Error())
	for _, p := range problems {
		he.details = append(he.details, DefinitionProblem{
			File: p.File, Line: p.Line, Column: p.Column, Field: p.Field, Message: p.Msg,
		})
	}
	return he
}

// limitBody caps request bodies at MaxBody: a declared larger body is refused
// at once, an undeclared one fails with *http.MaxBytesError when read.
func (s *Server) limitBody(c *gin.Context) {
	limit := s.maxBody()
	if c.Request.ContentLength > limit {
		_ = c.Error(&http.MaxBytesError{Limit: limit})
		c.Abort()
		return
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// MaxIDBytes is the longest build or promotion ID a request may name.
const MaxIDBytes = 512

// runIDPattern is what a run ID may be: Temporal's are UUIDs; one that is
// not a UUID but passes here is refused by Temporal as an invalid argument,
// also a 400.
var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkIDs refuses, with a 400, a request whose ?run_id= is not a run ID or
// whose ID (?id= or the :id segment) is too long or holds control
// characters, before a handler hands them to Temporal or the ledger.
func (s *Server) checkIDs(c *gin.Context) {
	if runID := c.Query("run_id"); runID != "" && !runIDPattern.MatchString(runID) {
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "run_id %q is not a run ID", truncate(runID, 64)))
		c.Abort()
		return
	}
	for _, id := range []string{c.Query("id"), c.Param("id")} {
		switch {
		case len(id) > MaxIDBytes:
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "id is %d bytes, over the limit of %d bytes", len(id), MaxIDBytes))
			c.Abort()
			return
		case hasControl(id) || !utf8.ValidString(id):
			_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, "id %q holds control characters or invalid UTF-8", truncate(id, 64)))
			c.Abort()
			return
		}
	}
	c.Next()
}

// truncate cuts s to at most n bytes, for quoting client input in errors.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(r)
			}
			s.logger().ErrorContext(c.Request.Context(), "handler panicked",
				slog.String("route", c.FullPath()), slog.Any("panic", r))
			if !c.Writer.Written() {
				c.AbortWithStatusJSON(http.StatusInternalServerError,
					ErrorBody{Error: ErrorInfo{Code: codeInternal, Message: "internal error", RequestID: requestID(c)}})
			}
		}
	}()
	c.Next()
}

// logRequests logs one line per request. It names the route template, never
// the raw path or query (which may hold a callback token or an API token),
// and no header.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	level := slog.LevelInfo
	if quietRoute(c.FullPath()) {
		level = slog.LevelDebug
	}
	s.logger().Log(c.Request.Context(), level, "request",
		slog.String("method", c.Request.Method), slog.String("route", routeLabel(c)),
		slog.Int("status", c.Writer.Status()), slog.Duration("elapsed", time.Since(start)),
		slog.String("request_id", requestID(c)))
}
