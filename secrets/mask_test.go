package secrets_test

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/secrets"
)

func TestMasker(t *testing.T) {
	const v = "s3cr3t/v@lue+more"
	pem := "-----BEGIN KEY-----\nAAAAsecretline1\nBBBBsecretline2\n-----END KEY-----\n"
	m := secrets.NewMasker(v, pem, "")
	for _, tc := range []struct{ in, want string }{
		{"token=" + v + " end", "token=*** end"},
		{base64.StdEncoding.EncodeToString([]byte(v)), "***"},
		{base64.RawURLEncoding.EncodeToString([]byte(v)), "***"},
		{"https://x/?t=" + url.QueryEscape(v), "https://x/?t=***"},
		{"path/" + url.PathEscape(v), "path/***"},
		{"line: BBBBsecretline2", "line: ***"},
		{"nothing here", "nothing here"},
		{v + v, "******"},
	} {
		require.Equal(t, tc.want, m.String(tc.in), tc.in)
	}
	require.Equal(t, "abc", (*secrets.Masker)(nil).String("abc"))
	require.True(t, secrets.NewMasker("").Empty())
}
