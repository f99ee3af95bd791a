package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// routes registers every route of the API.
//
// Build IDs contain '/' (build/<project>/<commit>), so they travel URL-escaped
// as one path segment: /api/v1/builds/build%2Fdemo%2Fabc123. Every route that
// takes an ID also accepts it as ?id=, which wins over the path segment (use
// "-" there): /api/v1/builds/-/cancel?id=build/demo/abc123. GET /api/v1/builds
// with ?id= returns that build rather than a list. Promotion IDs
// (promote/<project>/<version>) travel the same way.
//
// Every POST, PUT and DELETE but a callback (its token is in the URL), a
// forge webhook (signed with the project's hook secret) or a Slack
// interaction (signed by Slack) authenticates (see authenticate) and, with
// an identity file, needs a role on the project (authorize). With an
// identity file GET routes apply the project's read rule (mayRead): open
// to anyone for public reads (logs and artifacts to any authenticated
// caller: see requireReader), else to holders of a role; lists leave out
// what the caller may not read; /approvals answers for its caller, /audit
// and a project's secrets only to admins; /metrics needs
// DROVER_METRICS_TOKEN when it is set; /healthz is open.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.health)
	r.GET("/metrics", s.serveMetrics)

	v1 := r.Group("/api/v1")
	v1.POST("/builds", s.createBuild)
	v1.GET("/builds", s.listBuilds)
	v1.GET("/builds/:id", s.getBuild)
	v1.GET("/trace", s.trace)
	v1.POST("/builds/:id/cancel", s.cancelBuild)
	v1.POST("/builds/:id/rerun", s.rerunBuild)
	v1.POST("/builds/:id/downstream", s.startDownstream)
	// /tasks/<stage>/<task>/log, or /tasks/<task>/log when the name is unique.
	v1.GET("/builds/:id/tasks/*path", s.requireReader, s.taskLog)
	v1.GET("/builds/:id/artifacts/:stage/:task/:name", s.requireReader, s.downloadArtifact)

	v1.POST("/artifacts", s.registerArtifact)
	v1.POST("/promotions", s.createPromotion)
	v1.GET("/promotions", s.listPromotions)
	v1.GET("/promotions/:id", s.getPromotion)
	v1.GET("/promotions/:id/environments/:env/steps/:step/log", s.requireReader, s.promotionStepLog)
	v1.GET("/promotions/:id/changes", s.promotionChanges)
	v1.POST("/promotions/:id/approve", s.requireCaller, s.approvePromotion)
	v1.POST("/promotions/:id/reject", s.requireCaller, s.rejectPromotion)
	v1.POST("/promotions/:id/skip-bake", s.requireCaller, s.skipBake)
	v1.POST("/promotions/:id/cancel", s.cancelPromotion)
	v1.GET("/approvals", s.requireCaller, s.listApprovals)
	v1.GET("/environments", s.listEnvironments)
	v1.GET("/environments/:project/:environment/history", s.environmentHistory)
	v1.POST("/environments/:project/:environment/rollback", s.rollbackEnvironment)
	v1.PUT("/environments/:project/:environment/freeze", s.freezeEnvironment)
	v1.DELETE("/environments/:project/:environment/freeze", s.thawEnvironment)
	v1.POST("/callbacks/:token", s.reportCallback)
	v1.POST("/hooks/:project/:forge", s.receiveHook)
	v1.POST("/slack/interactions", s.slackInteraction)
	v1.GET("/audit", s.listAudit)
	v1.GET("/projects/:project/secrets", s.listSecrets)
	v1.PUT("/projects/:project/secrets/:name", s.setSecret)
	v1.DELETE("/projects/:project/secrets/:name", s.deleteSecret)

	s.registerPages(r) // web pages: /, /builds/:id, /promotions/:id, /approvals, /environments, /ui/...
}

// buildURL is the URL of the build id under PublicURL.
func (s *Server) buildURL(id string) string {
	return strings.TrimRight(s.PublicURL, "/") + "/api/v1/builds/" + url.PathEscape(id)
}

// buildID reads the build ID of a request from ?id= or the :id segment.
func buildID(c *gin.Context) (string, error) {
	id := c.Query("id")
	if id == "" {
		id = c.Param("id")
	}
	if id == "" || id == "-" {
		return "", errorf(http.StatusBadRequest, codeBadRequest, "missing build id")
	}
	return id, nil
}

func (s *Server) health(c *gin.Context) {
	if s.Health != nil {
		// One check per dependency; 503 names the ones that fail.
		rep, ok := s.Health.Run(c.Request.Context())
		c.Header("Cache-Control", "no-store")
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		c.JSON(status, rep)
		return
	}
	if err := s.History.Ping(c.Request.Context()); err != nil {
		s.logger().WarnContext(c.Request.Context(), "health check failed", "error", err)
		_ = c.Error(errorf(http.StatusServiceUnavailable, codeUnavailable, "ledger unreachable"))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
