# jeos overlay hardening: files a login shell creates are not world-readable.
umask 027
