/* Espace de travail, partie commune : connexion, état du réseau, tableaux triables et
 * filtrables, fiche de rappel. Les actes (formulaires, file d'attente, envoi) sont dans
 * espace-actes.js. Aucune bibliothèque ; le texte vient des pages ou de l'API (textContent,
 * jamais de HTML). Sans JavaScript, les pages restent lisibles : rien d'ici n'est nécessaire
 * pour lire. */
(function () {
  "use strict";
  var CLE_JETON = "cocagne.espace.jeton";
  var $ = function (id) { return document.getElementById(id); };
  document.documentElement.classList.add("js");

  // ---------------------------------------------------------------- session

  function jeton() { return localStorage.getItem(CLE_JETON); }

  function message(texte) {
    var m = $("message");
    if (!m) return;
    m.textContent = texte || "";
    m.hidden = !texte;
  }

  function ouvrirSession(valeur) {
    localStorage.setItem(CLE_JETON, valeur);
    return fetch("/api/session", { method: "POST", credentials: "same-origin",
      headers: { Authorization: "Bearer " + valeur, "Accept-Language": "fr" } })
      .then(function (reponse) {
        if (!reponse.ok) throw new Error("jeton refusé");
        var suite = new URLSearchParams(location.search).get("suite");
        location.replace(suite && /^\/espace\//.test(suite) ? suite : "/espace");
      });
  }

  var fragment = location.hash.match(/token=([^&]+)/);
  if (fragment) {
    history.replaceState(null, "", location.pathname + location.search);
    ouvrirSession(decodeURIComponent(fragment[1])).catch(function () {
      message("Ce lien de connexion n’est plus valable.");
    });
  }
  var connexion = $("connexion");
  if (connexion) {
    connexion.addEventListener("submit", function (evenement) {
      evenement.preventDefault();
      ouvrirSession($("jeton").value.trim()).catch(function () {
        message("Ce jeton n’est pas reconnu.");
      });
    });
  }
  var deconnexion = $("deconnexion");
  if (deconnexion) {
    deconnexion.addEventListener("submit", function (evenement) {
      evenement.preventDefault();
      fetch("/api/session", { method: "DELETE", credentials: "same-origin",
        headers: { Authorization: "Bearer " + jeton() } }).finally(function () {
        localStorage.removeItem(CLE_JETON);
        location.replace("/espace");
      });
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/espace/sw.js", { scope: "/espace/" }).catch(function () {});
  }

  function etatReseau() {
    var e = $("etat-reseau");
    if (!e) return;
    var enLigne = navigator.onLine;
    e.textContent = enLigne ? "En ligne" : "Hors ligne — les actes restent sur l’appareil";
    e.className = "etat " + (enLigne ? "direct" : "hors-ligne");
  }
  window.addEventListener("offline", etatReseau);
  window.addEventListener("online", etatReseau);
  etatReseau();

  // ---------------------------------------------------------------- tableaux

  function cleTri(cellule, estNombre) {
    if (!cellule) return "";
    var brut = cellule.dataset.cle !== undefined ? cellule.dataset.cle : cellule.textContent;
    if (estNombre) {
      var n = Number(String(brut).replace(/[\s\u202f\u00a0€%]/g, "").replace(",", "."));
      return isNaN(n) ? 0 : n;
    }
    return String(brut).toLowerCase();
  }

  function tableau(table, n) {
    var corpsTable = table.tBodies[0];
    var lignes = Array.prototype.slice.call(corpsTable.rows);
    if (lignes.length > 5) {
      var zone = document.createElement("div");
      zone.className = "filtre-table";
      var id = "filtre-" + (table.id || n);
      var etiquette = document.createElement("label");
      etiquette.htmlFor = id;
      etiquette.textContent = "Filtrer « " + table.caption.textContent + " »";
      var champ = document.createElement("input");
      champ.type = "search";
      champ.id = id;
      champ.addEventListener("input", function () {
        var cherche = champ.value.trim().toLowerCase();
        lignes.forEach(function (ligne) {
          ligne.hidden = cherche !== "" && ligne.textContent.toLowerCase().indexOf(cherche) < 0;
        });
      });
      zone.appendChild(etiquette);
      zone.appendChild(champ);
      table.parentNode.parentNode.insertBefore(zone, table.parentNode);
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, colonne) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "tri";
      b.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(b);
      th.setAttribute("aria-sort", "none");
      b.addEventListener("click", function () {
        var croissant = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (autre) {
          autre.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", croissant ? "ascending" : "descending");
        var nombreCol = th.dataset.type === "nombre";
        lignes.sort(function (a, b2) {
          var x = cleTri(a.cells[colonne], nombreCol), y = cleTri(b2.cells[colonne], nombreCol);
          return (x < y ? -1 : x > y ? 1 : 0) * (croissant ? 1 : -1);
        });
        lignes.forEach(function (ligne) { corpsTable.appendChild(ligne); });
      });
    });
  }

  // Ce qui s'attache à une partie de page : au chargement, et après chaque rafraîchissement
  // en place (espace-actes.js remplace les sections).
  function preparer(racine) {
    Array.prototype.forEach.call(racine.querySelectorAll("table.triable"), tableau);
  }
  preparer(document);

  window.CocagneEspace = { $: $, jeton: jeton, message: message, preparer: preparer };
})();
