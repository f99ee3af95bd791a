package web

import (
	"io"
	"net/http"
	"net/http/cookiejar"
)

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

func ioCopy(w io.Writer, resp *http.Response) (int64, error) { return io.Copy(w, resp.Body) }
