// Command webapp is the service the promotion example deploys: it answers
// /healthz with 200 and the version it runs.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
)

var version = "dev"

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	flag.Parse()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "ok %s\n", version)
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "webapp %s\n", version)
	})
	log.Printf("webapp %s listening on %s", version, *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
