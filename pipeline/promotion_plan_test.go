package pipeline

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// compiled compiles one window at now, failing the test on an error.
func compiled(t *testing.T, w Window, now time.Time) PlanWindow {
	t.Helper()
	plan, err := CompilePromotion([]Environment{{Name: "prod", Window: &w}}, now)
	require.NoError(t, err)
	return *plan.Environments[0].Window
}

func TestWindowNextOpening(t *testing.T) {
	utc := func(day, hour, minute int) time.Time {
		return time.Date(2025, time.January, day, hour, minute, 0, 0, time.UTC)
	}
	// 2025-01-06 is a Monday.
	cases := []struct {
		name   string
		window Window
		now    time.Time
		want   time.Time
	}{
		{"inside", Window{Days: []string{"mon"}, Start: "09:00", End: "17:00"}, utc(6, 10, 0), utc(6, 10, 0)},
		{"at the opening", Window{Start: "09:00", End: "17:00"}, utc(6, 9, 0), utc(6, 9, 0)},
		{"before it opens", Window{Start: "09:00", End: "17:00"}, utc(6, 8, 0), utc(6, 9, 0)},
		{"at the closing", Window{Start: "09:00", End: "17:00"}, utc(6, 17, 0), utc(7, 9, 0)},
		{"after it closed", Window{Days: []string{"mon", "tue"}, Start: "09:00", End: "17:00"}, utc(6, 18, 0), utc(7, 9, 0)},
		{"on another day", Window{Days: []string{"fri"}, Start: "09:00", End: "17:00"}, utc(6, 10, 0), utc(10, 9, 0)},
		{"next week", Window{Days: []string{"mon"}, Start: "09:00", End: "17:00"}, utc(6, 18, 0), utc(13, 9, 0)},
		{"across midnight, after it opened the day before", Window{Days: []string{"mon"}, Start: "22:00", End: "02:00"}, utc(7, 1, 0), utc(7, 1, 0)},
		{"across midnight, after it closed", Window{Days: []string{"mon"}, Start: "22:00", End: "02:00"}, utc(7, 3, 0), utc(13, 22, 0)},
		{"in a time zone", Window{Start: "09:00", End: "17:00", Timezone: "America/New_York"}, utc(6, 10, 0), utc(6, 14, 0)},
		{"in a time zone, where it is another day", Window{Days: []string{"tue"}, Start: "08:00", End: "10:00", Timezone: "Asia/Tokyo"}, utc(6, 23, 30), utc(6, 23, 30)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := compiled(t, tc.window, tc.now).NextOpening(tc.now)
			require.NoError(t, err)
			require.Equal(t, tc.want, got.UTC())
		})
	}
}

func TestWindowAcrossADaylightSavingChange(t *testing.T) {
	// Compiled in January, the window opens at 09:00 Berlin time both before
	// (UTC+1) and after (UTC+2) the change of 2025-03-30, with no time zone
	// database at decision time.
	w := compiled(t, Window{Start: "09:00", End: "17:00", Timezone: "Europe/Berlin"}, time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC))
	require.Greater(t, len(w.Zone), 2, "the spans hold the changes")
	got, err := w.NextOpening(time.Date(2025, 3, 28, 18, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, time.Date(2025, 3, 29, 8, 0, 0, 0, time.UTC), got.UTC())
	got, err = w.NextOpening(time.Date(2025, 3, 30, 18, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, time.Date(2025, 3, 31, 7, 0, 0, 0, time.UTC), got.UTC())
	_, offset := got.Zone()
	require.Equal(t, 2*3600, offset, "the opening is given in the zone's offset")
}

// TestWindowDecidesAsTheTimeZoneDatabase compares a compiled window with
// the time zone database, at random instants over the horizon, in zones
// with daylight saving (Lord Howe's is half an hour), without, and south.
func TestWindowDecidesAsTheTimeZoneDatabase(t *testing.T) {
	compiledAt := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	windows := []Window{
		{Start: "09:00", End: "17:00"},
		{Days: []string{"sat", "sun"}, Start: "01:30", End: "03:30"},
		{Days: []string{"mon", "wed"}, Start: "22:00", End: "02:30"},
		{Days: []string{"fri"}, Start: "02:15", End: "02:45"},
	}
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"} {
		for _, w := range windows {
			w.Timezone = zone
			pw := compiled(t, w, compiledAt)
			for range 400 {
				now := compiledAt.Add(time.Duration(rng.Int64N(int64(4 * 365 * 24 * time.Hour))))
				want, err := tzdbOpening(w, now)
				require.NoError(t, err)
				got, err := pw.NextOpening(now)
				require.NoError(t, err)
				require.Truef(t, want.Equal(got), "%s %v at %s: the database says %s, the plan %s", zone, w, now, want, got)
			}
		}
	}
}

func TestWindowRefusals(t *testing.T) {
	now := time.Date(2025, time.January, 6, 10, 0, 0, 0, time.UTC)
	plan, err := CompilePromotion([]Environment{{Name: "prod", Window: &Window{Start: "09:00", End: "17:00", Timezone: "Mars/Olympus"}}}, now)
	require.ErrorContains(t, err, `environment prod: load time zone "Mars/Olympus"`)
	_, err = plan.Environments[0].Window.NextOpening(now)
	require.ErrorContains(t, err, `time zone "Mars/Olympus"`, "the window of a plan compiled anyway never opens")
	_, err = compiled(t, Window{Start: "9am", End: "17:00"}, now).NextOpening(now)
	require.ErrorContains(t, err, "window start")
	_, err = compiled(t, Window{Days: []string{"someday"}, Start: "09:00", End: "17:00"}, now).NextOpening(now)
	require.ErrorContains(t, err, "never opens")
}

func TestCompilePromotionResolvesHTTPInstanceDefaults(t *testing.T) {
	dns := &HTTPDNS{Name: "foas.internal", Port: 8080}
	envs := []Environment{{Name: "integ", Deploy: Deploy{Shell: "true"}, Verify: []Verify{
		{HTTP: &HTTPCheck{DNS: dns, MinPassing: 2}},
		{HTTP: &HTTPCheck{URLs: []string{"http://a:8080/healthz", "http://b:8080/healthz"}}},
	}}}
	plan, err := CompilePromotion(envs, time.Now())
	require.NoError(t, err)
	byDNS, byURLs := plan.Environments[0].Verify[0].HTTP, plan.Environments[0].Verify[1].HTTP
	require.Equal(t, &HTTPDNS{Name: "foas.internal", Port: 8080, Path: "/", Scheme: "http"}, byDNS.DNS)
	require.Equal(t, 2, byDNS.MinPassing)
	require.Equal(t, DefaultHTTPWithin, byDNS.Within.Std())
	require.Equal(t, DefaultHTTPMethod, byURLs.Method)
	require.Zero(t, byURLs.MinPassing, "zero: all instances must pass")
	require.Equal(t, &HTTPDNS{Name: "foas.internal", Port: 8080}, dns, "the definition is not changed")
}

func TestHTTPDNSURL(t *testing.T) {
	d := HTTPDNS{Name: "foas.internal", Port: 8080, Path: "/healthz?deep=1", Scheme: "https"}
	require.Equal(t, "https://10.0.0.3:8080/healthz?deep=1", d.URL("10.0.0.3"))
	require.Equal(t, "https://[::1]:8080/healthz?deep=1", d.URL("::1"))
	require.Equal(t, "http://[fe80::1]/", HTTPDNS{Name: "x"}.URL("fe80::1"))
	require.Equal(t, "http://10.0.0.3/", HTTPDNS{Name: "x"}.URL("10.0.0.3"))
}

func TestCompilePromotionResolvesDefaults(t *testing.T) {
	envs := []Environment{
		{Name: "dev", Deploy: Deploy{Webhook: &WebhookDeploy{URL: "https://deploy.example/"}},
			Verify: []Verify{{HTTP: &HTTPCheck{URL: "http://dev/health"}}, {Task: &TaskCheck{Run: "true"}}, {External: &ExternalCheck{Name: "qa"}}}},
		{Name: "prod", Approval: &Approval{Approvers: []string{"alice"}}, Rollback: RollbackManual, Policy: PolicySupersede,
			Soak: Duration(time.Hour), Verify: []Verify{{Task: &TaskCheck{Run: "true", Timeout: Duration(time.Minute)}}}},
	}
	plan, err := CompilePromotion(envs, time.Now())
	require.NoError(t, err)
	dev, prod := plan.Environments[0], plan.Environments[1]
	require.Equal(t, RollbackAuto, dev.Rollback)
	require.Equal(t, PolicyFIFO, dev.Policy)
	require.Equal(t, DefaultDeployTimeout, dev.Deploy.Webhook.Timeout.Std())
	require.Equal(t, DefaultHTTPWithin, dev.Verify[0].HTTP.Within.Std())
	require.Equal(t, DefaultTaskTimeout, dev.Verify[1].Task.Timeout.Std())
	require.Equal(t, DefaultExternalTimeout, dev.Verify[2].External.Timeout.Std())
	require.Zero(t, envs[0].Deploy.Webhook.Timeout, "the definition is not changed")
	require.Equal(t, &PlanApproval{Approvers: []string{"alice"}, Required: 1, Timeout: DefaultApprovalTimeout}, prod.Approval)
	require.Equal(t, RollbackManual, prod.Rollback)
	require.Equal(t, PolicySupersede, prod.Policy)
	require.Equal(t, time.Hour, prod.Soak)
	require.Equal(t, time.Minute, prod.Verify[0].Task.Timeout.Std())
	require.Equal(t, 1, plan.Index("prod"))
	require.Equal(t, -1, plan.Index("staging"))
}

// tzdbOpening is the window's next opening decided with the time zone
// database, as workflows did before plans: the reference a plan must match.
// One difference: workflows took the day from its local midnight, which does
// not exist where a daylight saving change skips it (America/Santiago), and
// then saw the day before; the day's noon always exists.
func tzdbOpening(w Window, now time.Time) (time.Time, error) {
	loc, err := time.LoadLocation(w.Timezone)
	if err != nil {
		return time.Time{}, err
	}
	start, _ := time.Parse("15:04", w.Start)
	end, _ := time.Parse("15:04", w.End)
	y, m, d := now.In(loc).Date()
	pw := PlanWindow{Days: w.Days}
	for offset := -1; offset <= 8; offset++ {
		day := time.Date(y, m, d+offset, 12, 0, 0, 0, loc)
		if !pw.allows(day.Weekday()) {
			continue
		}
		opens := time.Date(day.Year(), day.Month(), day.Day(), start.Hour(), start.Minute(), 0, 0, loc)
		closes := time.Date(day.Year(), day.Month(), day.Day(), end.Hour(), end.Minute(), 0, 0, loc)
		if !closes.After(opens) {
			closes = time.Date(day.Year(), day.Month(), day.Day()+1, end.Hour(), end.Minute(), 0, 0, loc)
		}
		switch {
		case !now.Before(opens) && now.Before(closes):
			return now, nil
		case opens.After(now):
			return opens, nil
		}
	}
	return time.Time{}, nil
}
