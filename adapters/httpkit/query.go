package httpkit

import (
	"net/http"
	"strings"
)

// PlainQuery is router middleware: a query string whose parameters hold U+0000 is refused (400)
// before any handler, as a body member holding it is. PostgreSQL's text cannot hold it, so a
// search or filter passed on would fail in the database, a 500 anyone could provoke.
func PlainQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			for name, values := range r.URL.Query() {
				for _, v := range values {
					if strings.ContainsRune(v, 0) || strings.ContainsRune(name, 0) {
						WriteProblem(w, Problem{Type: ProblemMalformed, Title: "Malformed request", Status: http.StatusBadRequest,
							Detail: "a query parameter must not contain U+0000", Field: plainPath(name)})
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
