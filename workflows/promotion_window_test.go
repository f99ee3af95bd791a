package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

func TestNextWindowOpening(t *testing.T) {
	utc := func(day, hour, minute int) time.Time {
		return time.Date(2025, time.January, day, hour, minute, 0, 0, time.UTC)
	}
	// 2025-01-06 is a Monday.
	cases := []struct {
		name   string
		window pipeline.Window
		now    time.Time
		want   time.Time
	}{
		{"inside", pipeline.Window{Days: []string{"mon"}, Start: "09:00", End: "17:00"}, utc(6, 10, 0), utc(6, 10, 0)},
		{"at the opening", pipeline.Window{Start: "09:00", End: "17:00"}, utc(6, 9, 0), utc(6, 9, 0)},
		{"before it opens", pipeline.Window{Start: "09:00", End: "17:00"}, utc(6, 8, 0), utc(6, 9, 0)},
		{"at the closing", pipeline.Window{Start: "09:00", End: "17:00"}, utc(6, 17, 0), utc(7, 9, 0)},
		{"after it closed", pipeline.Window{Days: []string{"mon", "tue"}, Start: "09:00", End: "17:00"}, utc(6, 18, 0), utc(7, 9, 0)},
		{"on another day", pipeline.Window{Days: []string{"fri"}, Start: "09:00", End: "17:00"}, utc(6, 10, 0), utc(10, 9, 0)},
		{"next week", pipeline.Window{Days: []string{"mon"}, Start: "09:00", End: "17:00"}, utc(6, 18, 0), utc(13, 9, 0)},
		{"across midnight, after it opened the day before", pipeline.Window{Days: []string{"mon"}, Start: "22:00", End: "02:00"}, utc(7, 1, 0), utc(7, 1, 0)},
		{"across midnight, after it closed", pipeline.Window{Days: []string{"mon"}, Start: "22:00", End: "02:00"}, utc(7, 3, 0), utc(13, 22, 0)},
		{"in a time zone", pipeline.Window{Start: "09:00", End: "17:00", Timezone: "America/New_York"}, utc(6, 10, 0), utc(6, 14, 0)},
		{"in a time zone, where it is another day", pipeline.Window{Days: []string{"tue"}, Start: "08:00", End: "10:00", Timezone: "Asia/Tokyo"}, utc(6, 23, 30), utc(6, 23, 30)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NextWindowOpening(tc.window, tc.now)
			require.NoError(t, err)
			require.Equal(t, tc.want, got.UTC())
		})
	}
}

func TestNextWindowOpeningRejectsABadWindow(t *testing.T) {
	now := time.Date(2025, time.January, 6, 10, 0, 0, 0, time.UTC)
	_, err := NextWindowOpening(pipeline.Window{Start: "09:00", End: "17:00", Timezone: "Mars/Olympus"}, now)
	require.ErrorContains(t, err, `time zone "Mars/Olympus"`)
	_, err = NextWindowOpening(pipeline.Window{Start: "9am", End: "17:00"}, now)
	require.ErrorContains(t, err, "window start")
	_, err = NextWindowOpening(pipeline.Window{Days: []string{"someday"}, Start: "09:00", End: "17:00"}, now)
	require.ErrorContains(t, err, "never opens")
}
