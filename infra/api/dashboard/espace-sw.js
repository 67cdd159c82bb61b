/* Service worker de l'espace de travail : la coquille (styles, script) et la dernière version
 * vue de chaque page restent lisibles sans connexion. Les actes, eux, ne passent jamais par
 * ce cache : la page les garde sur l'appareil et les envoie au retour du réseau. */
"use strict";
var VERSION = "cocagne-espace-v4";
var COQUILLE = ["/dashboard/style.css", "/dashboard/espace.css", "/dashboard/espace.js",
  "/dashboard/espace-saisie.js", "/dashboard/espace-actes.js", "/dashboard/sans-js.css",
  "/dashboard/favicon.svg", "/espace/manifest.webmanifest"];

self.addEventListener("install", function (evenement) {
  evenement.waitUntil(caches.open(VERSION).then(function (cache) {
    return cache.addAll(COQUILLE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (evenement) {
  evenement.waitUntil(caches.keys().then(function (noms) {
    return Promise.all(noms.filter(function (nom) { return nom !== VERSION; })
      .map(function (nom) { return caches.delete(nom); }));
  }).then(function () { return self.clients.claim(); }));
});

// La page sans ses paramètres (?apres=…) : une seule copie par page.
function cleDePage(requete) {
  var url = new URL(requete.url);
  return url.origin + url.pathname;
}

self.addEventListener("fetch", function (evenement) {
  var requete = evenement.request;
  if (requete.method !== "GET") return;
  var url = new URL(requete.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  // Une page ouverte, ou rafraîchie en place après un acte (en-tête X-Cocagne-Page).
  var page = requete.mode === "navigate" || requete.headers.get("X-Cocagne-Page") === "1";
  if (page && url.pathname.indexOf("/espace/") === 0) {
    // Réseau d'abord (les chiffres du jour), la dernière copie vue sinon.
    evenement.respondWith(fetch(requete).then(function (reponse) {
      // Un jour passé (?au=…) n'est pas « la dernière version vue » de la page.
      if (reponse.ok && !reponse.redirected && !url.searchParams.has("au")) {
        var copie = reponse.clone();
        caches.open(VERSION).then(function (cache) { cache.put(cleDePage(requete), copie); });
      }
      return reponse;
    }).catch(function () {
      return caches.match(cleDePage(requete)).then(function (trouvee) {
        return trouvee || new Response("<!doctype html><html lang=\"fr\"><title>Hors ligne" +
          "</title><p>Hors connexion, et cette page n’a pas encore été ouverte sur cet " +
          "appareil.</p></html>", { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    }));
    return;
  }
  var coquille = url.pathname.indexOf("/dashboard/") === 0 ||
    url.pathname === "/espace/manifest.webmanifest";
  if (coquille) {
    // La coquille : réseau d'abord pour rester à jour, le cache hors connexion.
    evenement.respondWith(fetch(requete).then(function (reponse) {
      if (reponse.ok) {
        var copie = reponse.clone();
        caches.open(VERSION).then(function (cache) { cache.put(requete, copie); });
      }
      return reponse;
    }).catch(function () {
      return caches.match(requete).then(function (trouvee) { return trouvee || Response.error(); });
    }));
  }
});
