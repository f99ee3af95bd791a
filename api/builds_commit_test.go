package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/gitsource"
)

// describingSource is a fakeSource that can also describe commits.
type describingSource struct {
	*fakeSource
	info gitsource.CommitInfo
	err  error
}

func (d describingSource) Describe(context.Context, string, string) (gitsource.CommitInfo, error) {
	return d.info, d.err
}

func TestBuildCarriesItsCommitSubjectAndAuthor(t *testing.T) {
	for _, tc := range []struct {
		name          string
		info          gitsource.CommitInfo
		err           error
		subject, auth string
	}{
		{"described", gitsource.CommitInfo{Subject: "Fix the login page", Author: "Mary Jane"}, nil, "Fix the login page", "Mary Jane"},
		{"clipped", gitsource.CommitInfo{Subject: strings.Repeat("é", 300), Author: "a"}, nil, strings.Repeat("é", 200), "a"},
		{"git fails: the build starts all the same", gitsource.CommitInfo{}, errors.New("cat-file broke"), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer()
			ts.source.refs[testRepo+"@main"] = testSHA
			ts.source.files[testRepo+"@"+testSHA+":drover.yaml"] = []byte(goodYAML)
			ts.Source = describingSource{fakeSource: ts.source, info: tc.info, err: tc.err}
			rec := ts.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+testRepo+`", "commit": "main"}`)
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			require.Len(t, ts.builds.started, 1)
			require.Equal(t, tc.subject, ts.builds.started[0].Subject)
			require.Equal(t, tc.auth, ts.builds.started[0].Author)
		})
	}
}
