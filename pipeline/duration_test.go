package pipeline

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
)

func TestDurationYAML(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: `10m`, want: 10 * time.Minute},
		{in: `1h30m`, want: 90 * time.Minute},
		{in: `"15s"`, want: 15 * time.Second},
		{in: `250ms`, want: 250 * time.Millisecond},
		{in: `null`, want: 0},
		{in: `-5m`, want: -5 * time.Minute},
		{in: `10 minutes`, wantErr: `invalid duration "10 minutes"`},
		{in: `ten`, wantErr: `invalid duration "ten"`},
		{in: `10`, wantErr: `a number needs a unit`},
		{in: `1.5`, wantErr: `a number needs a unit`},
		{in: `[1m]`, wantErr: `must be a duration such as 10m, 1h30m or 15s, not a sequence`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got struct {
				D Duration `yaml:"d"`
			}
			err := yaml.Unmarshal([]byte("d: "+tt.in), &got)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got.D.Std())
		})
	}
}

func TestDurationString(t *testing.T) {
	tests := map[time.Duration]string{
		0:                               "0s",
		15 * time.Second:                "15s",
		10 * time.Minute:                "10m",
		90 * time.Minute:                "1h30m",
		72 * time.Hour:                  "72h",
		time.Hour + 2*time.Second:       "1h0m2s",
		1500 * time.Millisecond:         "1.5s",
		10*time.Minute + 30*time.Second: "10m30s",
	}
	for d, want := range tests {
		require.Equal(t, want, Duration(d).String())
	}
}

func TestDurationMarshal(t *testing.T) {
	in := struct {
		D Duration `yaml:"d" json:"d"`
	}{D: Duration(90 * time.Minute)}

	y, err := yaml.Marshal(in)
	require.NoError(t, err)
	require.Equal(t, "d: 1h30m\n", string(y))

	j, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"d":"1h30m"}`, string(j))

	var back struct {
		D Duration `json:"d"`
	}
	require.NoError(t, json.Unmarshal(j, &back))
	require.Equal(t, in.D, back.D)
	require.NoError(t, json.Unmarshal([]byte(`{"d":1000000000}`), &back))
	require.Equal(t, Duration(time.Second), back.D)
	require.Error(t, json.Unmarshal([]byte(`{"d":"soon"}`), &back))
	require.Error(t, json.Unmarshal([]byte(`{"d":true}`), &back))
}
