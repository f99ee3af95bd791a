// Package activities holds Drover's Temporal activities: everything that
// touches the world outside workflow code. Each struct holds the dependencies
// of a group of activities, and every exported method of it is an activity,
// registered under the method's name by worker.RegisterActivities:
//
//   - Activities: a build's tasks (workspace, checkout, process group, live
//     logs, artifacts);
//   - PromotionActivities: deploys (shell, webhook, s3, cloudformation),
//     verifications (HTTP, task scripts, external callbacks) and a
//     promotion's arrival at an environment's lock;
//   - LedgerActivities: what builds and promotions write to the ledger,
//     pending approvals included;
//   - Notifier: outgoing webhooks, Slack messages and commit statuses;
//   - HeadPoller: builds for branch heads no webhook announced.
//
// Temporal may retry any activity; failures no retry can fix are returned as
// non-retryable application errors with a stable type string. This
// package does not import workflows; the workflows call the activities by the
// names worker/register_test.go pins to these methods.
package activities
