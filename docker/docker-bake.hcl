# The four regionwatch images from docker/Dockerfile's one chain: each names its final stage and the
# workspace APP that the chain prunes and builds. From the repository root (paths are relative to it):
#
#   docker buildx bake -f docker/docker-bake.hcl                 # worker, dashboard, simulator, track
#   docker buildx bake -f docker/docker-bake.hcl worker          # one of them
#   docker buildx bake -f docker/docker-bake.hcl --print         # what would be built, without building
#
# docker/compose.yaml passes the same APP per service (packages/testkit/test/deployment.test.ts checks
# that both agree with the Dockerfile).

variable "TAG" {
  default = "latest"
}

group "default" {
  targets = ["image"]
}

target "image" {
  name = item.target
  matrix = {
    item = [
      { target = "worker", app = "@regionwatch/worker" },
      { target = "dashboard", app = "@regionwatch/dashboard" },
      { target = "simulator", app = "@regionwatch/simulator" },
      { target = "track", app = "@regionwatch/producer" },
    ]
  }
  context    = "."
  dockerfile = "docker/Dockerfile"
  target     = item.target
  args = {
    APP = item.app
  }
  tags = ["regionwatch-${item.target}:${TAG}"]
}
