package activities_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

// instancesInput is an http check over urls (or, with urls nil, dns).
func instancesInput(urls []string, dns *pipeline.HTTPDNS, minPassing int, within time.Duration) activities.HTTPCheckInput {
	in := httpCheckInput("", within)
	in.Check.URLs, in.Check.DNS, in.Check.MinPassing = urls, dns, minPassing
	return in
}

// failedCheck returns the message and details of a failed check.
func failedCheck(t *testing.T, err error) (string, activities.CheckResult) {
	t.Helper()
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
	require.True(t, appErr.NonRetryable())
	var res activities.CheckResult
	require.NoError(t, appErr.Details(&res))
	require.Equal(t, appErr.Message(), res.Detail)
	return appErr.Message(), res
}

func TestCheckHTTPInstances(t *testing.T) {
	// Three instances: one healthy, one passing on its third request, one sick.
	instances := func(t *testing.T) (healthy, slow, sick *httptest.Server, urls []string) {
		healthy, _ = healthServer(t, 0, "ok")
		slow, _ = healthServer(t, 2, "ok")
		sick, _ = healthServer(t, 1<<40, "")
		return healthy, slow, sick, []string{healthy.URL + "/healthz", slow.URL + "/healthz", sick.URL + "/healthz"}
	}

	t.Run("every instance must pass by default: fails naming the one that did not", func(t *testing.T) {
		healthy, slow, sick, urls := instances(t)
		pa, _ := newPromotionActivities(t)
		err := execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput(urls, nil, 0, 300*time.Millisecond), nil)
		msg, res := failedCheck(t, err)
		require.Regexp(t, "^"+regexp.QuoteMeta("2 of 3 instances passed, want 3: "+sick.URL+"/healthz: got 503 (")+`\d+ attempts\); passed: `+
			regexp.QuoteMeta(healthy.URL+"/healthz, "+slow.URL+"/healthz (GET, want 200 within 300ms)")+"$", msg)
		require.Greater(t, res.Attempts, 1)
	})

	t.Run("min_passing 2 passes while the third fails", func(t *testing.T) {
		healthy, slow, sick, urls := instances(t)
		pa, _ := newPromotionActivities(t)
		var res activities.CheckResult
		// Within is long: the check ends as soon as two have passed.
		require.NoError(t, execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput(urls, nil, 2, time.Hour), &res))
		require.Regexp(t, "^"+regexp.QuoteMeta("2 of 3 instances passed (want 2): "+healthy.URL+"/healthz, "+slow.URL+"/healthz; not passing: "+sick.URL+"/healthz: ")+
			`(got 503|not answered yet) \(\d+ attempts; no longer polled once enough passed\) \(GET, want 200 within 1h\)$`, res.Detail)
		require.GreaterOrEqual(t, res.Attempts, 3, "the slow instance was polled until it passed")
	})

	t.Run("all pass", func(t *testing.T) {
		healthy, slow, _, _ := instances(t)
		pa, _ := newPromotionActivities(t)
		var res activities.CheckResult
		in := instancesInput([]string{healthy.URL + "/healthz", slow.URL + "/healthz"}, nil, 0, time.Minute)
		require.NoError(t, execute(context.Background(), t, pa, pa.CheckHTTP, in, &res))
		require.Equal(t, "2 of 2 instances passed (want 2): "+healthy.URL+"/healthz, "+slow.URL+"/healthz (GET, want 200 within 1m)", res.Detail)
		require.Equal(t, 3, res.Attempts)
	})

	t.Run("a URL's credentials and query are not shown", func(t *testing.T) {
		_, _, sick, _ := instances(t)
		pa, _ := newPromotionActivities(t)
		u := "http://user:s3cret@" + sick.Listener.Addr().String() + "/healthz?token=s3cret"
		err := execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput([]string{u}, nil, 0, 50*time.Millisecond), nil)
		msg, _ := failedCheck(t, err)
		require.NotContains(t, msg, "s3cret")
		require.Contains(t, msg, sick.URL+"/healthz: got 503")
	})
}

// serveOn starts a health server on address:port.
func serveOn(t *testing.T, address string, port int, sick int64) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(healthHandler(sick))
	require.NoError(t, srv.Listener.Close())
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
}

func TestCheckHTTPInstancesByDNS(t *testing.T) {
	// Three instances on one port at three loopback addresses.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	serveOn(t, "127.0.0.1", port, 0)
	serveOn(t, "127.0.0.2", port, 0)
	serveOn(t, "127.0.0.3", port, 1<<40)
	dns := &pipeline.HTTPDNS{Name: "foas.internal", Port: port, Path: "/healthz"}
	lookup := func(addrs ...string) func(context.Context, string) ([]string, error) {
		return func(_ context.Context, name string) ([]string, error) {
			if name != "foas.internal" {
				return nil, fmt.Errorf("lookup %s: no such host", name)
			}
			return addrs, nil
		}
	}
	instance := func(address string) string { return fmt.Sprintf("http://%s:%d/healthz", address, port) }

	t.Run("every address is polled; fails naming the one that did not pass", func(t *testing.T) {
		pa, _ := newPromotionActivities(t)
		pa.LookupHost = lookup("127.0.0.3", "127.0.0.1", "127.0.0.2", "127.0.0.1")
		err := execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput(nil, dns, 0, 200*time.Millisecond), nil)
		msg, _ := failedCheck(t, err)
		require.Regexp(t, "^"+regexp.QuoteMeta("foas.internal: 2 of 3 instances passed, want 3: "+instance("127.0.0.3")+": got 503 (")+
			`\d+ attempts\); passed: `+regexp.QuoteMeta(instance("127.0.0.1")+", "+instance("127.0.0.2")+" "), msg)
	})

	t.Run("min_passing 2 passes", func(t *testing.T) {
		pa, _ := newPromotionActivities(t)
		pa.LookupHost = lookup("127.0.0.1", "127.0.0.2", "127.0.0.3")
		var res activities.CheckResult
		in := instancesInput(nil, dns, 2, time.Hour)
		require.NoError(t, execute(context.Background(), t, pa, pa.CheckHTTP, in, &res))
		require.Contains(t, res.Detail, "foas.internal: 2 of 3 instances passed (want 2): "+instance("127.0.0.1")+", "+instance("127.0.0.2")+"; not passing: "+instance("127.0.0.3"))
	})

	t.Run("fewer addresses than min_passing", func(t *testing.T) {
		pa, _ := newPromotionActivities(t)
		pa.LookupHost = lookup("127.0.0.1")
		msg, _ := failedCheck(t, execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput(nil, dns, 2, time.Hour), nil))
		require.Equal(t, "foas.internal resolves to 1 address, want 2 passing", msg)
	})

	t.Run("more addresses than a check polls", func(t *testing.T) {
		var addrs []string
		for i := range pipeline.MaxHTTPInstances + 1 {
			addrs = append(addrs, fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))
		}
		pa, _ := newPromotionActivities(t)
		pa.LookupHost = lookup(addrs...)
		msg, _ := failedCheck(t, execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput(nil, dns, 1, time.Hour), nil))
		require.Equal(t, "foas.internal resolves to 65 addresses, more than the 64 an http check polls", msg)
	})

	t.Run("a name that does not resolve within", func(t *testing.T) {
		pa, _ := newPromotionActivities(t)
		calls := 0
		pa.LookupHost = func(context.Context, string) ([]string, error) {
			calls++
			return nil, errors.New("lookup foas.internal: no such host")
		}
		msg, res := failedCheck(t, execute(context.Background(), t, pa, pa.CheckHTTP, instancesInput(nil, dns, 0, 100*time.Millisecond), nil))
		require.Regexp(t, `^resolve foas\.internal: lookup foas\.internal: no such host \(after \d+ attempts in 100ms\)$`, msg)
		require.Greater(t, calls, 1, "looked up again every interval")
		require.Equal(t, calls, res.Attempts)
	})

	t.Run("https: the name is the Host and the certificate's name", func(t *testing.T) {
		// httptest's certificate names example.com (and 127.0.0.1).
		var hosts, serverNames []string
		var mu sync.Mutex
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			hosts, serverNames = append(hosts, r.Host), append(serverNames, r.TLS.ServerName)
		}))
		t.Cleanup(srv.Close)
		tlsPort := srv.Listener.Addr().(*net.TCPAddr).Port
		pa, _ := newPromotionActivities(t)
		pa.HTTP = srv.Client() // trusts the server's certificate
		pa.LookupHost = func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }
		var res activities.CheckResult
		in := instancesInput(nil, &pipeline.HTTPDNS{Name: "example.com", Port: tlsPort, Path: "/healthz", Scheme: "https"}, 0, time.Minute)
		require.NoError(t, execute(context.Background(), t, pa, pa.CheckHTTP, in, &res))
		require.Equal(t, fmt.Sprintf("example.com: 1 of 1 instances passed (want 1): https://127.0.0.1:%d/healthz (GET, want 200 within 1m)", tlsPort), res.Detail)
		require.Equal(t, []string{fmt.Sprintf("example.com:%d", tlsPort)}, hosts)
		require.Equal(t, []string{"example.com"}, serverNames)

		pa.LookupHost = func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }
		in.Check.DNS.Name, in.Check.Within = "foas.internal", pipeline.Duration(50*time.Millisecond)
		msg, _ := failedCheck(t, execute(context.Background(), t, pa, pa.CheckHTTP, in, nil))
		require.Contains(t, msg, "certificate", "a certificate not naming foas.internal is refused")
	})

	t.Run("the worker's resolver: localhost", func(t *testing.T) {
		pa, _ := newPromotionActivities(t)
		var res activities.CheckResult
		// localhost may also resolve to ::1, where nothing listens: one must pass.
		in := instancesInput(nil, &pipeline.HTTPDNS{Name: "localhost", Port: port, Path: "/healthz"}, 1, time.Minute)
		require.NoError(t, execute(context.Background(), t, pa, pa.CheckHTTP, in, &res))
		require.Contains(t, res.Detail, "localhost: 1 of ")
		require.Contains(t, res.Detail, instance("127.0.0.1"))
	})
}
