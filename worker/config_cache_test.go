package worker

import "testing"

func TestConfigFromEnvWorkflowCache(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	cfg, err := ConfigFromEnv(get)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WorkflowCache != DefaultWorkflowCache {
		t.Fatalf("default cache = %d, want %d", cfg.WorkflowCache, DefaultWorkflowCache)
	}
	env["DROVER_WORKFLOW_CACHE_SIZE"] = "250"
	if cfg, err = ConfigFromEnv(get); err != nil || cfg.WorkflowCache != 250 {
		t.Fatalf("cache = %d, %v; want 250", cfg.WorkflowCache, err)
	}
	for _, bad := range []string{"0", "-1", "many"} {
		env["DROVER_WORKFLOW_CACHE_SIZE"] = bad
		if _, err := ConfigFromEnv(get); err == nil {
			t.Errorf("DROVER_WORKFLOW_CACHE_SIZE=%q accepted", bad)
		}
	}
}
