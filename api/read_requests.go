package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// listQuery is what a list request asks for: a page of at most Limit
// entries from Offset on, of the given Status (empty: any).
type listQuery struct {
	Limit, Offset int
	Status        string
}

// readListQuery reads ?limit=, ?offset= and ?status= of a list request;
// the status must be empty or one of statuses.
func readListQuery(c *gin.Context, statuses ...string) (listQuery, error) {
	q := listQuery{Status: c.Query("status")}
	var err error
	if q.Limit, err = queryInt(c, "limit", DefaultListLimit, 1, MaxListLimit); err != nil {
		return listQuery{}, err
	}
	if q.Offset, err = queryInt(c, "offset", 0, 0, -1); err != nil {
		return listQuery{}, err
	}
	if q.Status != "" && !slices.Contains(statuses, q.Status) {
		return listQuery{}, errorf(http.StatusBadRequest, codeBadRequest,
			"status must be one of %s", strings.Join(statuses, ", "))
	}
	return q, nil
}

// fetchLimit is how many entries to fetch: one more than a page tells
// whether there is a next page.
func (q listQuery) fetchLimit() int { return q.Limit + 1 }

// page turns entries fetched with fetchLimit into the page of q, each one
// converted by summary, and the offset of the next page (nil on the last).
func page[E, S any](q listQuery, entries []E, summary func(E) S) ([]S, *int) {
	var next *int
	if len(entries) > q.Limit {
		entries = entries[:q.Limit]
		n := q.Offset + q.Limit
		next = &n
	}
	out := make([]S, 0, len(entries))
	for _, e := range entries {
		out = append(out, summary(e))
	}
	return out, next
}

// queryInt reads an integer query parameter within [lo, hi] (hi < 0: no upper bound).
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || (hi >= 0 && n > hi) {
		if hi < 0 {
			return 0, errorf(http.StatusBadRequest, codeBadRequest, "%s must be an integer >= %d", name, lo)
		}
		return 0, errorf(http.StatusBadRequest, codeBadRequest, "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// serveRunState answers a GET of one run: the ID the request names (read
// by id), the run of ?run_id= (empty: the latest), its state from state.
func serveRunState[S any](c *gin.Context, id func(*gin.Context) (string, error),
	state func(ctx context.Context, id, runID string) (S, error)) {
	runOf, err := id(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	st, err := state(c.Request.Context(), runOf, c.Query("run_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, st)
}
