// Package contracts holds what Drover's parts say to each other: the names
// under which workflows, activities, signals, queries and updates are
// registered, the workflow IDs and task queues, the protocol between a
// Promotion and the Environment workflow that serialises deploys, and the
// input, result and state types that travel through Temporal (and so are
// recorded in workflow histories) or are shown by the API and the CLI.
//
// It is a leaf: it imports only the standard library, pipeline and decision
// (signed decision proofs, itself only the standard library), so the
// CLI, the API, the workflows and the activities can all depend on it
// without depending on each other. Everything here is part of a wire format
// (a history, a query result, a REST body): a renamed constant or JSON tag
// breaks the replay of recorded histories and running workflows.
//
// The inputs of the Build and Promotion workflows (BuildInput,
// PromotionInput) and the Decision and SkipBake update payloads are here
// too. The ledger activities' inputs stay in activities: they carry ledger
// rows.
// workflows and activities keep aliases (their contracts.go) for the names
// here that they use widely. The REST bodies of the API are in the
// subpackage rest.
package contracts
