// Package rest holds the bodies of Drover's REST API that its server (api)
// and its command-line client (starter, the drover CLI) both use: requests,
// responses and the error envelope. Like contracts, it imports only the
// standard library and Drover's leaf packages, so the CLI carries neither
// Temporal, AWS nor Slack. A renamed JSON tag here changes the API.
package rest
