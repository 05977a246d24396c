package httpkit

import "net/http"

// SecureHeaders sets the headers every answer carries, whatever writes it (a handler, a Problem,
// the router's 404 or 405, the panic handler):
//   - Cache-Control: no-store, because answers hold account data, tokens and session lists that
//     no shared or browser cache may keep; nothing this service answers is worth caching;
//   - X-Content-Type-Options: nosniff, so a browser never runs a JSON answer as something else.
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}
