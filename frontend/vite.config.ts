/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

// `npm run dev` proxies the API to a running `make run` (port 8000), so the
// UI can be worked on with hot reload against the real server.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { "@": new URL("./src", import.meta.url).pathname } },
  server: {
    proxy: {
      "/api": { target: "http://localhost:8000", changeOrigin: false },
    },
  },
  // No source maps in what is served: they would publish the UI's sources as
  // written (the e2e run checks dist/ holds none).
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 2000 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // CopilotKit's v2 entry imports its own stylesheet: let Vite handle it.
    server: { deps: { inline: [/@copilotkit\//] } },
  },
});
