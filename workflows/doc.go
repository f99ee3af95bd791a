// Package workflows holds Drover's Temporal workflows: Build (a build's
// construction plan, stage by stage), Promotion (a version through its
// environments: gates, lock, deploy, verify, rollback), Environment (one
// environment's deploy lock and queue) and Poll (missed-webhook polling).
//
// Everything here is deterministic workflow code: time, timers, goroutines and
// selectors come from the workflow package, and side effects happen only in
// activities (package activities). A change to what a workflow does goes
// behind workflow.GetVersion, and the recorded histories in
// testdata/histories must keep replaying (replay_test.go).
package workflows
