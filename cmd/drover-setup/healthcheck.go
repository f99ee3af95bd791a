package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// healthcheck GETs url and succeeds on a 2xx answer within 5 seconds.
func healthcheck(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health check %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("health check %s: status %s", url, resp.Status)
	}
	return nil
}
