package starter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ErrStreamEnded is returned by FollowLog when the stream ended without an end event.
var ErrStreamEnded = errors.New("log stream ended before the task did")

// TaskLog copies the whole log of a task so far to w.
func (c *Client) TaskLog(ctx context.Context, id, stage, task string, w io.Writer) error {
	return c.copyLog(ctx, logPath(id, stage, task), w)
}

// copyLog copies the whole log at the API's path so far to w.
func (c *Client) copyLog(ctx context.Context, path string, w io.Writer) error {
	resp, err := c.send(ctx, http.MethodGet, path, nil, "text/plain")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read log: %w", err)
	}
	return nil
}

// FollowLog streams the log of a task, calling onLine for each line as it is
// written, until the task ends; it returns the task's final status.
func (c *Client) FollowLog(ctx context.Context, id, stage, task string, onLine func(string)) (string, error) {
	return c.followLog(ctx, logPath(id, stage, task)+"?follow=1", onLine)
}

// followLog reads the API's event stream of a log at path (with its
// ?follow=1) until its end event, whose data it returns.
func (c *Client) followLog(ctx context.Context, path string, onLine func(string)) (string, error) {
	resp, err := c.send(ctx, http.MethodGet, path, nil, "text/event-stream")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var event string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "": // the end of one event
			payload := strings.Join(data, "\n")
			switch event {
			case "", "message":
				if data != nil {
					onLine(payload)
				}
			case "end":
				return payload, nil
			case "error":
				return "", fmt.Errorf("follow log: server says %s", payload)
			}
			event, data = "", nil
		case strings.HasPrefix(line, ":"): // a comment
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			v := strings.TrimPrefix(line, "data:")
			data = append(data, strings.TrimPrefix(v, " "))
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("follow log: %w", err)
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	return "", ErrStreamEnded
}
