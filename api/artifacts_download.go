package api

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/contracts"
)

// ArtifactPath is the path, under the API's base URL, at which the artifact
// name of task stage/task of build id is downloaded.
func ArtifactPath(id, stage, task, name string) string {
	return "/api/v1/builds/" + url.PathEscape(id) + "/artifacts/" + url.PathEscape(stage) + "/" +
		url.PathEscape(task) + "/" + url.PathEscape(name)
}

// downloadArtifact serves GET /api/v1/builds/{id}/artifacts/{stage}/{task}/{name}
// (?run_id= picks a run): the blob the task recorded under that name. Only
// the recorded key reaches the blob store; nothing of the request does.
func (s *Server) downloadArtifact(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := buildID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := s.mayRead(c, projectOfID(id)); err != nil {
		_ = c.Error(err)
		return
	}
	stage, task, name := c.Param("stage"), c.Param("task"), c.Param("name")
	state, err := s.buildState(ctx, id, c.Query("run_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	_, ts, ok, ambiguous := findTask(state, stage, task)
	if !ok || ambiguous {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "build has no task %s/%s", stage, task))
		return
	}
	ref, ok := findArtifact(ts.Artifacts, name)
	if !ok {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "task %s/%s has no artifact %q", stage, task, name))
		return
	}
	if s.Blobs == nil || blobstore.ValidateKey(ref.Key) != nil {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "artifact %q is not in the blob store", name))
		return
	}
	blob, err := s.Blobs.Get(ctx, ref.Key)
	if errors.Is(err, blobstore.ErrNotFound) {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "artifact %q is no longer stored", name))
		return
	}
	if err != nil {
		_ = c.Error(fmt.Errorf("open artifact %s of build %s: %w", ref.Key, id, err))
		return
	}
	defer func() { _ = blob.Close() }()
	if err := checkSize(blob, ref); err != nil {
		_ = c.Error(fmt.Errorf("artifact of build %s: %w", id, err))
		return
	}
	// A blob whose bytes are not the recorded ones fails its last read,
	// so the client sees a cut-short download rather than wrong bytes.
	s.writeArtifact(c, blobstore.Verify(blob, ref.Key, ref.Size, ref.SHA256), ref)
}

// findArtifact returns the artifact called name.
func findArtifact(refs []contracts.ArtifactRef, name string) (contracts.ArtifactRef, bool) {
	for _, r := range refs {
		if r.Name == name {
			return r, true
		}
	}
	return contracts.ArtifactRef{}, false
}

// checkSize refuses a blob whose size, when the store tells it, is not the
// recorded one: its Content-Length would be a lie.
func checkSize(blob io.Reader, ref contracts.ArtifactRef) error {
	st, ok := blob.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return nil
	}
	info, err := st.Stat()
	if err != nil {
		return fmt.Errorf("stat blob %s: %w", ref.Key, err)
	}
	if info.Size() != ref.Size {
		return fmt.Errorf("blob %s holds %d bytes, recorded %d", ref.Key, info.Size(), ref.Size)
	}
	return nil
}

// writeArtifact streams blob as an attachment with its recorded size and checksum.
func (s *Server) writeArtifact(c *gin.Context, blob io.Reader, ref contracts.ArtifactRef) {
	filename := ref.Name
	if i := strings.LastIndex(filename, "/"); i >= 0 {
		filename = filename[i+1:]
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "application/octet-stream")
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": filename})
	if disposition == "" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Length", strconv.FormatInt(ref.Size, 10))
	h.Set("X-Checksum-Sha256", ref.SHA256)
	h.Set("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	if _, err := io.CopyN(c.Writer, blob, ref.Size); err != nil {
		// The client went away or the blob is shorter than recorded: the
		// response is cut short, which the client sees by its length.
		s.logger().WarnContext(c.Request.Context(), "artifact download cut short", "key", ref.Key, "error", err)
	}
}
