// Command standins runs what examples/deploydb needs besides Drover, for
// `make dev`: a stand-in Jenkins (Drover's fake, built from Jenkins'
// documented remote access API: internal/fakes) with the jobs smoke-api and
// smoke-db, and FOAS itself, reduced to its health endpoint
// (GET /healhcheck) and an event log of the webhooks Drover sends it
// (POST /events).
//
//	go run ./examples/deploydb/standins [-fail smoke-db]
//
// It is a demonstration aid, not a Jenkins: point the jenkins check of a
// real project at a real Jenkins.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/drover-ci/drover/internal/fakes"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "standins:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	flags := flag.NewFlagSet("standins", flag.ContinueOnError)
	jenkinsAddr := flags.String("jenkins", "127.0.0.1:8089", "address of the stand-in Jenkins")
	serviceAddr := flags.String("service", "127.0.0.1:8090", "address of FOAS's health endpoint and event log")
	user := flags.String("jenkins-user", "drover", "the Jenkins user Drover must send (secret JENKINS_USER)")
	fail := flags.String("fail", "", "comma-separated jobs whose builds end FAILURE")
	if err := flags.Parse(args); err != nil {
		return err
	}
	token := os.Getenv("FAKE_JENKINS_TOKEN")
	if token == "" {
		token = "demo-jenkins-token"
	}
	results := map[string]string{"smoke-api": fakes.JenkinsSuccess, "smoke-db": fakes.JenkinsSuccess}
	for _, job := range strings.Split(*fail, ",") {
		if job = strings.TrimSpace(job); job != "" {
			results[job] = fakes.JenkinsFailure
		}
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, nil))
	jenkins := fakes.NewJenkins(*user, token, results)
	jenkins.RootURL = "http://" + *jenkinsAddr

	service := http.NewServeMux()
	service.HandleFunc("GET /healhcheck", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	service.HandleFunc("POST /events", func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Type, Project, Version, Environment, Message string
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = json.Unmarshal(body, &ev)
		logger.Info("event", "type", ev.Type, "project", ev.Project, "version", ev.Version,
			"environment", ev.Environment, "message", ev.Message)
	})

	servers := []*http.Server{
		{Addr: *jenkinsAddr, Handler: logRequests(logger, "jenkins", jenkins), ReadHeaderTimeout: 10 * time.Second},
		{Addr: *serviceAddr, Handler: service, ReadHeaderTimeout: 10 * time.Second},
	}
	errs := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errs <- s.ListenAndServe() }()
	}
	logger.Info("stand-ins running", "jenkins", "http://"+*jenkinsAddr, "jenkins_user", *user,
		"health", "http://"+*serviceAddr+"/healhcheck", "events", "http://"+*serviceAddr+"/events")
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	for _, s := range servers {
		_ = s.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// logRequests logs each request a stand-in answers.
func logRequests(logger *slog.Logger, name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.Info(name, "method", r.Method, "path", r.URL.Path)
		h.ServeHTTP(w, r)
	})
}
