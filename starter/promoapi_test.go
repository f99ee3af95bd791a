package starter

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// promoRequest is a request promoAPI received.
type promoRequest struct {
	method, path, query string
	auth, channel       string
	body                map[string]any
}

// promoReply is a canned answer of promoAPI.
type promoReply struct {
	status int
	body   any // encoded as JSON; a string is an error message
}

// promoAPI answers promotion routes from canned replies keyed by
// "METHOD escaped-path" and records what it received. GETs of a promotion
// answer with successive states, the last one repeating.
type promoAPI struct {
	mu       sync.Mutex
	replies  map[string]promoReply
	states   []any
	gets     int
	requests []promoRequest
}

func (f *promoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req := promoRequest{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery,
		auth: r.Header.Get("Authorization"), channel: r.Header.Get("X-Drover-Channel")}
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		_ = json.Unmarshal(data, &req.body)
	}
	f.requests = append(f.requests, req)
	w.Header().Set("Content-Type", "application/json")
	reply, ok := f.replies[r.Method+" "+req.path]
	if !ok && r.Method == http.MethodGet && len(f.states) > 0 {
		st := f.states[min(f.gets, len(f.states)-1)]
		f.gets++
		_ = json.NewEncoder(w).Encode(st)
		return
	}
	if !ok {
		reply = promoReply{http.StatusNotFound, "no such route " + req.path}
	}
	w.WriteHeader(reply.status)
	if msg, isErr := reply.body.(string); isErr {
		code := map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}[reply.status]
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
		return
	}
	_ = json.NewEncoder(w).Encode(reply.body)
}
