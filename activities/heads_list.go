package activities

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/drover-ci/drover/gitsource"
)

// head is one branch head of a repository.
type head struct {
	Branch string
	Commit string
}

// listHeads runs git ls-remote --heads on repository (a URL or a local
// path). Credentials in the repository URL never reach the error.
func listHeads(ctx context.Context, repository string) ([]head, error) {
	if strings.HasPrefix(repository, "-") {
		return nil, fmt.Errorf("list heads of %s: not a repository URL or path", gitsource.Redact(repository))
	}
	args, env := gitsource.CredentialsInEnv([]string{"ls-remote", "--heads", "--", repository},
		append(os.Environ(), "GIT_TERMINAL_PROMPT=0"))
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := redactRepo(strings.TrimSpace(stderr.String()), repository)
		return nil, fmt.Errorf("list heads of %s: %w: %s", gitsource.Redact(repository), err, msg)
	}
	var heads []head
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		sha, ref, ok := strings.Cut(sc.Text(), "\t")
		branch, isHead := strings.CutPrefix(ref, "refs/heads/")
		if ok && isHead && branch != "" {
			heads = append(heads, head{Branch: branch, Commit: sha})
		}
	}
	return heads, nil
}

// redactRepo removes repository, and its user and password, from text.
func redactRepo(text, repository string) string {
	redacted := gitsource.Redact(repository)
	if redacted == repository {
		return text
	}
	text = strings.ReplaceAll(text, repository, redacted)
	if at := strings.LastIndex(repository, "@"); at > 0 {
		if scheme := strings.Index(repository, "://"); scheme >= 0 && scheme+3 < at {
			text = strings.ReplaceAll(text, repository[scheme+3:at], "xxxxx")
		}
	}
	return text
}
