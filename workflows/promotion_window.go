package workflows

import (
	"fmt"
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// windowDays maps the day names of a pipeline.Window to weekdays.
var windowDays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// NextWindowOpening returns now when now is inside the weekly window w,
// otherwise the next time it opens. It depends only on its arguments (and
// the time zone database), so workflows may call it with workflow.Now.
func NextWindowOpening(w pipeline.Window, now time.Time) (time.Time, error) {
	loc := time.UTC
	if w.Timezone != "" {
		l, err := time.LoadLocation(w.Timezone)
		if err != nil {
			return time.Time{}, fmt.Errorf("load time zone %q of window: %w", w.Timezone, err)
		}
		loc = l
	}
	start, err := time.Parse("15:04", w.Start)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse window start %q: %w", w.Start, err)
	}
	end, err := time.Parse("15:04", w.End)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse window end %q: %w", w.End, err)
	}
	local := now.In(loc)
	// A window opens on an allowed day at start and closes at end, the same
	// day or, when end is not after start, the next one. The window that may
	// contain now opened at the latest yesterday.
	y, m, d := local.Date()
	for offset := -1; offset <= 8; offset++ {
		day := time.Date(y, m, d+offset, 0, 0, 0, 0, loc)
		if !windowAllows(w, day.Weekday()) {
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
	return time.Time{}, fmt.Errorf("window %s-%s on %v never opens", w.Start, w.End, w.Days)
}

func windowAllows(w pipeline.Window, day time.Weekday) bool {
	if len(w.Days) == 0 {
		return true
	}
	for _, d := range w.Days {
		if wd, ok := windowDays[d]; ok && wd == day {
			return true
		}
	}
	return false
}
