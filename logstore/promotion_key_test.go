package logstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
)

func TestPromotionKey(t *testing.T) {
	tests := []struct {
		id, run, env, step string
		want               string
	}{
		{"promote/foas/1.2", "run-1", "staging", "deploy", "promotions/promote%2Ffoas%2F1.2/run-1/staging/deploy.log"},
		{"promote/foas/1.2", "r", "prod", "verify-2", "promotions/promote%2Ffoas%2F1.2/r/prod/verify-2.log"},
		{"..", "r", "a/b", "deploy-rollback", "promotions/%2E%2E/r/a%2Fb/deploy-rollback.log"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			key := logstore.PromotionKey(tt.id, tt.run, tt.env, tt.step)
			require.Equal(t, tt.want, key)
			w, err := logstore.New(t.TempDir()).Writer(key)
			require.NoError(t, err)
			require.NoError(t, w.Close())
		})
	}
}
