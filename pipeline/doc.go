// Package pipeline reads drover.yaml, the definition of a project, checks
// it, and turns its build into a construction plan. It imports no Temporal,
// HTTP or cloud package: the API, the CLI and the workflows all use it.
//
// # Format
//
//	project: fun-as-a-service          # required; ^[a-z0-9][a-z0-9_.-]{0,62}$ (used in workflow IDs)
//	repository: https://github.com/acme/foas.git
//	include:                           # template files (see Include); resolved by the server
//	  - {name: go, project: devops, ref: 3f2a1b2c9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f7a, file: templates/go.yaml, with: {version: "1.23"}}
//	build:
//	  stages:                          # required, run in order
//	    - use: go/test                 # a stage template; beside use only name
//	    - name: verify                 # required, unique, same rule as project
//	      fail_fast: false             # true: the first failed task cancels the others
//	      tasks:                       # required, run in parallel
//	        - name: unit               # required, unique within the stage
//	          run: go test ./...       # bash -eo pipefail; run or steps is required, not both
//	          # steps:                 # run in order in one workspace; the first that fails skips the rest
//	          #   - {name: deps, run: go mod download}  # name as a task's, unique in the task; at most 50
//	          #   - name: hand-off     # push instead of run: the worker commits to another project (see PushStep)
//	          #     push: {project: image, json: [{file: config.json, set: {tag: "{file:dist/tag}"}}]}
//	          needs:                   # artifacts of earlier stages' tasks, downloaded to their paths first
//	            - {task: compile, artifact: app}  # task or stage/task; no artifact: all of the task's
//	          cache:                   # restored before the task, saved after a success (see Cache)
//	            - {key: "go-{hash:go.sum}", paths: [.cache/go, ~/go/pkg/mod]}
//	          timeout: 10m             # one attempt; default 1h, at most 24h
//	          retries: 2               # more attempts after a non-zero exit; 0 to 10, default 0
//	          runs-on: [linux]         # worker labels, ^[a-z0-9][a-z0-9_.-]*$; default any worker
//	          checkout: true           # false: run in an empty workspace
//	          env: {GOFLAGS: -mod=mod} # shell identifiers; DROVER_* is reserved
//	          artifacts:               # uploaded when the task succeeds
//	            - {name: foas, path: dist/foas.tar.gz}  # name unique; path relative, inside the workspace
//	          # runs-on: ["${{ matrix.os }}"]  # with a matrix: each combination's value of os
//	          matrix:                  # one task per combination (see Matrix), named unit-1.22-linux
//	            axes: {go: ["1.22", "1.23"], os: [linux, arm]}  # values in $MATRIX_GO, $MATRIX_OS
//	            exclude: [{go: "1.22", os: arm}]   # drop the combinations that match
//	            include: [{go: "1.24", os: linux}] # add keys to matching combinations, or a combination
//	        - use: go/lint             # a task template; beside use only TaskOverrides
//	          secrets: [LINT_TOKEN]    # another project's template gets secrets only at a full SHA ref
//	promotion:
//	  environments:                    # walked in order
//	    - name: prod                   # required, unique
//	      branches: [main, "release/*"]  # path.Match patterns; default every branch
//	      approval: {approvers: [alice, "group:release"], required: 1, prevent_self_approval: true, timeout: 72h}
//	      window: {days: [mon, tue], start: "09:00", end: "17:00", timezone: Europe/Paris}
//	      deploy:                      # exactly one of:
//	        shell: ./deploy.sh prod
//	        # cloudformation:          # a change set, created then executed
//	        #   stack: foas-prod         # required
//	        #   template: deploy/stack.yaml   # in the repository at the version's commit, or
//	        #   # template_artifact: template # an artifact of the version; exactly one
//	        #   parameters: {Env: prod, Version: "{version}", Site: "{artifact.site.url}"}
//	        #   capabilities: [CAPABILITY_IAM]  # CAPABILITY_IAM, CAPABILITY_NAMED_IAM, CAPABILITY_AUTO_EXPAND
//	        #   region: eu-west-3        # default: the worker's region
//	        # s3: {bucket: site, prefix: "foas/", source: dist}
//	        # webhook: {url: https://deployer.example.com/hook, timeout: 1h}
//	      verify:                      # each entry exactly one of:
//	        - http: {url: https://foas.example.com/healthz, method: GET, status: 200, body: ok, within: 15s, interval: 5s, timeout: 10s}
//	        - http: {urls: [http://10.0.0.1:8080/healthz, http://10.0.0.2:8080/healthz], min_passing: 1}  # every instance, in parallel
//	        - http: {dns: {name: foas.internal, port: 8080, path: /healthz, scheme: http}}  # every address of the name
//	        - task: {run: ./api-tests.sh, timeout: 10m}
//	        - bake: 10m
//	        - external: {name: ci/e2e, timeout: 2h}
//	      rollback: auto               # auto (default) or manual
//	      soak: 1h                     # time to stay verified before moving on
//	      policy: fifo                 # fifo (default) or supersede
//	notify:
//	  slack: {channel: "#deploys"}
//	  webhooks: [{url: https://hooks.example.com/drover, events: [ARTIFACT_AVAILABLE]}]  # no events: all
//	inputs:                            # parameters of a build started by hand (see Input)
//	  - {name: target, type: choice, options: [staging, canary], default: staging}  # $INPUT_TARGET
//	  - {name: dry-run, type: bool, default: true}                                  # $INPUT_DRY_RUN
//	  - {name: ticket, required: true, description: The change ticket}              # type string
//	triggers:                          # which forge webhook pushes build (see Triggers)
//	  branches: [main, "release/*"]    # path.Match patterns; default every branch
//	  tags: ["v*"]                     # default: no tag is built
//	  paths: [src, "cmd/*"]            # changed files (or their directories); default any
//	  upstream: {project: lib, branches: [dev]}  # also build this branch when lib's build of it succeeds
//
// CloudFormation parameter values may hold {version}, {commit}, {commit:N},
// {environment}, {project}, {artifact.<name>.url} (the artifact's download
// URL on the API) and {artifact.<name>.sha256}.
//
// Durations are Go duration strings ("15s", "10m", "1h30m"); a duration that
// is written must be more than zero. HTTP checks default to GET, status 200,
// within 1m, interval 5s, timeout 10s (see HTTPCheck.WithDefaults).
//
// # Errors
//
// Parse is strict: unknown fields, duplicate keys, several YAML documents and
// values of the wrong type are errors. Every error is a *Error naming the
// file, line, column and field path ("build.stages[0].tasks[1].retries");
// when validation finds several problems they come together as Errors,
// sorted by position. AllErrors flattens either form into a list.
package pipeline
