#!/usr/bin/env bash
# The deployment files (Dockerfile, deploy/tfgw.service) as far as CI can check them.
exec bash "$(dirname "$0")/../../scripts/check-deploy.sh"
