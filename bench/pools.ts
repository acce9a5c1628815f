/**
 * Word pools for the benchmark data generator: names, companies, places and numbering plans
 * of Germany, Austria, Switzerland, the US and the UK. Spellings are as people write them,
 * umlauts, ß and accents included.
 */

export type CountryKey = 'DE' | 'AT' | 'CH' | 'US' | 'UK';

/** A city with its area code (without national prefix) and postal code range. */
export interface City {
  name: string;
  area: string;
  postal: string;
  /** Relative share of the country's contacts. */
  weight: number;
  /** First digits of private subscriber numbers valid here; default 6–9. */
  lead?: string;
}

export interface CountryPlan {
  key: CountryKey;
  callingCode: string;
  /** National (trunk) prefix as written in front of the area code; '' for the US. */
  trunk: string;
  /** Digits of a landline national significant number (area code + subscriber). */
  landlineLength: number;
  /** Mobile prefixes (without trunk prefix) and the subscriber digits that follow. */
  mobiles: readonly { prefix: string; digits: number }[];
  cities: readonly City[];
  firstNames: readonly string[];
  lastNames: readonly string[];
  mailDomains: readonly string[];
  companySuffixes: readonly string[];
  streets: readonly string[];
  countryName: string;
}

// prettier-ignore
const GERMAN_FIRST = [
  'Hans', 'Jürgen', 'Jörg', 'Björn', 'Günter', 'Sören', 'Bärbel', 'Käthe', 'Uwe', 'Klaus',
  'Peter', 'Wolfgang', 'Michael', 'Thomas', 'Andreas', 'Stefan', 'Christian', 'Markus', 'Frank',
  'Matthias', 'Sebastian', 'Tobias', 'Jan', 'Lukas', 'Maximilian', 'Felix', 'Jonas', 'Leon',
  'Paul', 'Ludwig', 'Maria', 'Anna', 'Ursula', 'Monika', 'Petra', 'Sabine', 'Renate', 'Karin',
  'Brigitte', 'Ingrid', 'Helga', 'Gisela', 'Susanne', 'Claudia', 'Andrea', 'Stefanie', 'Nicole',
  'Julia', 'Katharina', 'Sophie', 'Lena', 'Hannah', 'Lea', 'Emilia', 'Mia', 'Zoë', 'Chloé',
  'Anne-Kathrin', 'Hans-Peter', 'Karl-Heinz', 'Marie-Luise', 'Gün', 'Özlem', 'Çağla', 'Ömer',
  'Jürgen-Thomas', 'Heike', 'Dörte', 'Jens', 'Kai', 'Sven', 'Gerd', 'Götz', 'Rüdiger', 'Hartmut',
];

// prettier-ignore
const GERMAN_LAST = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz',
  'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann',
  'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt',
  'Werner', 'Schmitz', 'Krause', 'Meier', 'Lehmann', 'Schmid', 'Schulze', 'Maier', 'Köhler',
  'Herrmann', 'König', 'Walter', 'Mayer', 'Huber', 'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz',
  'Möller', 'Weiß', 'Jung', 'Hahn', 'Schubert', 'Vogel', 'Friedrich', 'Keller', 'Günther',
  'Frank', 'Berger', 'Winkler', 'Roth', 'Beck', 'Lorenz', 'Baumann', 'Franke', 'Albrecht',
  'Schuster', 'Simon', 'Ludwig', 'Böhm', 'Winter', 'Kraus', 'Martin', 'Schumacher', 'Krämer',
  'Vogt', 'Stein', 'Jäger', 'Otto', 'Sommer', 'Groß', 'Seidel', 'Heinrich', 'Brandt', 'Haas',
  'Schreiber', 'Graf', 'Schulte', 'Dietrich', 'Ziegler', 'Kuhn', 'Kühn', 'Pohl', 'Engel', 'Horn',
  'Busch', 'Bergmann', 'Thomas', 'Voigt', 'Sauer', 'Arnold', 'Wolff', 'Pfeiffer', 'Strauß',
  'Großmann', 'Mueller', 'Schaefer', 'Koehler', 'Müller-Lüdenscheidt', 'Schmidt-Rottluff',
  'von Weizsäcker', 'zu Guttenberg', 'Yılmaz', 'Kaya', 'Öztürk', 'Nowak', 'Kowalski',
  'Dąbrowski', 'Papadopoulos', 'Rossi', 'Çelik', 'Nguyen', 'Straßburger', 'Weißgerber',
  'Fußmann', 'Ähnlich', 'Übel', 'Öhler',
];

// prettier-ignore
const AUSTRIAN_FIRST = [
  'Johann', 'Josef', 'Franz', 'Karl', 'Alois', 'Leopold', 'Ferdinand', 'Florian', 'Lukas',
  'David', 'Elias', 'Valentin', 'Maria', 'Theresia', 'Elisabeth', 'Anna', 'Hannelore',
  'Magdalena', 'Valentina', 'Marlene', 'Jürgen', 'Günther', 'Bernhard', 'Christoph', 'Rosa',
];

// prettier-ignore
const AUSTRIAN_LAST = [
  'Gruber', 'Huber', 'Bauer', 'Wagner', 'Müller', 'Pichler', 'Steiner', 'Moser', 'Mayer',
  'Hofer', 'Leitner', 'Berger', 'Fuchs', 'Eder', 'Fischer', 'Schmid', 'Winkler', 'Weber',
  'Schwarz', 'Maier', 'Schneider', 'Reiter', 'Mayr', 'Schmidt', 'Wimmer', 'Egger', 'Brunner',
  'Lang', 'Baumgartner', 'Auer', 'Binder', 'Lechner', 'Wolf', 'Wallner', 'Aigner', 'Ebner',
  'Koller', 'Lehner', 'Haas', 'Schuster', 'Weißenböck', 'Pöschl', 'Höllerl', 'Grünwald',
  'Strasser', 'Kröll', 'Schöpf', 'Fürst',
];

// prettier-ignore
const SWISS_FIRST = [
  'Daniel', 'Peter', 'Thomas', 'Martin', 'Christian', 'Urs', 'Beat', 'Reto', 'Marco', 'Luca',
  'Nicolas', 'François', 'Gérard', 'Frédéric', 'André', 'Noël', 'Hélène', 'Céline', 'Zoé',
  'Ursula', 'Verena', 'Regula', 'Franziska', 'Chiara', 'Giulia', 'Léa', 'Loïc', 'Jérôme',
];

// prettier-ignore
const SWISS_LAST = [
  'Müller', 'Meier', 'Schmid', 'Keller', 'Weber', 'Huber', 'Schneider', 'Meyer', 'Steiner',
  'Fischer', 'Gerber', 'Brunner', 'Baumann', 'Frei', 'Zimmermann', 'Moser', 'Widmer', 'Wyss',
  'Graf', 'Roth', 'Favre', 'Rochat', 'Bonvin', 'Dubois', 'Rossi', 'Bernasconi', 'Crétin',
  'Grünig', 'Bühler', 'Zürcher', 'Lüthi', 'Schürch', 'Bärtschi', 'Kälin', 'Räber', 'Mäder',
];

// prettier-ignore
const US_FIRST = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David',
  'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Christopher',
  'Sarah', 'José', 'María', 'Chloe', 'Madison', 'Ethan', 'Aiden', 'Renée', 'Zoë',
];

// prettier-ignore
const US_LAST = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernández', 'López', 'González', 'Wilson', 'Anderson', 'Thomas', 'Taylor',
  'Moore', 'Jackson', 'Martin', 'Lee', 'Pérez', 'Thompson', 'White', 'Harris', 'Sánchez',
  'Clark', 'Ramírez', 'Lewis', 'Robinson', 'Walker', "O'Brien", 'McDonald', 'Nguyen', 'Kim',
];

// prettier-ignore
const UK_FIRST = [
  'Oliver', 'George', 'Harry', 'Jack', 'Charlie', 'Thomas', 'Olivia', 'Amelia', 'Isla', 'Emily',
  'Sophie', 'Grace', 'Siobhán', 'Seán', 'Niamh', 'Eilidh', 'Rhys', 'Dafydd', 'Gwen', 'Aoife',
];

// prettier-ignore
const UK_LAST = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson',
  'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood',
  'Jackson', 'Clarke', "O'Connor", 'MacLeod', 'Ó Súilleabháin', 'Featherstonehaugh', 'Llewellyn',
];

export const COUNTRIES: Record<CountryKey, CountryPlan> = {
  DE: {
    key: 'DE',
    callingCode: '49',
    trunk: '0',
    landlineLength: 10,
    mobiles: [
      { prefix: '151', digits: 8 },
      { prefix: '152', digits: 8 },
      { prefix: '157', digits: 8 },
      { prefix: '160', digits: 7 },
      { prefix: '162', digits: 7 },
      { prefix: '170', digits: 7 },
      { prefix: '171', digits: 7 },
      { prefix: '172', digits: 7 },
      { prefix: '173', digits: 7 },
      { prefix: '175', digits: 7 },
      { prefix: '176', digits: 8 },
      { prefix: '177', digits: 8 },
      { prefix: '179', digits: 7 },
    ],
    cities: [
      { name: 'München', area: '89', postal: '80', weight: 30 },
      { name: 'Berlin', area: '30', postal: '10', weight: 10 },
      { name: 'Hamburg', area: '40', postal: '20', weight: 7 },
      { name: 'Köln', area: '221', postal: '50', weight: 5 },
      { name: 'Frankfurt am Main', area: '69', postal: '60', weight: 5 },
      { name: 'Stuttgart', area: '711', postal: '70', weight: 5 },
      { name: 'Düsseldorf', area: '211', postal: '40', weight: 3 },
      { name: 'Nürnberg', area: '911', postal: '90', weight: 4 },
      { name: 'Fürth', area: '911', postal: '90', weight: 1 },
      { name: 'Leipzig', area: '341', postal: '04', weight: 2 },
      { name: 'Dresden', area: '351', postal: '01', weight: 2 },
      { name: 'Hannover', area: '511', postal: '30', weight: 2 },
      { name: 'Bremen', area: '421', postal: '28', weight: 1 },
      { name: 'Augsburg', area: '821', postal: '86', weight: 3 },
      { name: 'Regensburg', area: '941', postal: '93', weight: 2 },
      { name: 'Würzburg', area: '931', postal: '97', weight: 1 },
      { name: 'Freiburg im Breisgau', area: '761', postal: '79', weight: 1 },
      { name: 'Münster', area: '251', postal: '48', weight: 1 },
      { name: 'Lübeck', area: '451', postal: '23', weight: 1 },
      { name: 'Göttingen', area: '551', postal: '37', weight: 1 },
      { name: 'Saarbrücken', area: '681', postal: '66', weight: 1 },
      { name: 'Osnabrück', area: '541', postal: '49', weight: 1 },
      { name: 'Ingolstadt', area: '841', postal: '85', weight: 2 },
      { name: 'Landshut', area: '871', postal: '84', weight: 1 },
      { name: 'Rosenheim', area: '8031', postal: '83', weight: 1 },
      { name: 'Starnberg', area: '8151', postal: '82', weight: 1 },
      { name: 'Garmisch-Partenkirchen', area: '8821', postal: '82', weight: 1 },
    ],
    firstNames: GERMAN_FIRST,
    lastNames: GERMAN_LAST,
    mailDomains: ['gmx.de', 'web.de', 't-online.de', 'gmail.com', 'posteo.de', 'freenet.de'],
    companySuffixes: [
      'GmbH',
      'GmbH & Co. KG',
      'AG',
      'KG',
      'e.K.',
      'OHG',
      'SE',
      'UG (haftungsbeschränkt)',
    ],
    streets: [
      'Hauptstraße',
      'Bahnhofstr.',
      'Schloßallee',
      'Münchner Straße',
      'Gartenweg',
      'Lindenstraße',
      'Am Mühlbach',
      'Königsplatz',
      'Türkenstraße',
    ],
    countryName: 'Deutschland',
  },
  AT: {
    key: 'AT',
    callingCode: '43',
    trunk: '0',
    landlineLength: 9,
    mobiles: [
      { prefix: '664', digits: 7 },
      { prefix: '650', digits: 7 },
      { prefix: '676', digits: 7 },
      { prefix: '699', digits: 8 },
    ],
    cities: [
      { name: 'Wien', area: '1', postal: '1', weight: 10 },
      { name: 'Graz', area: '316', postal: '8', weight: 3 },
      { name: 'Salzburg', area: '662', postal: '5', weight: 3 },
      { name: 'Linz', area: '732', postal: '4', weight: 3 },
      { name: 'Innsbruck', area: '512', postal: '6', weight: 2 },
      { name: 'Klagenfurt am Wörthersee', area: '463', postal: '9', weight: 1 },
    ],
    firstNames: AUSTRIAN_FIRST,
    lastNames: AUSTRIAN_LAST,
    mailDomains: ['gmx.at', 'aon.at', 'chello.at', 'gmail.com'],
    companySuffixes: ['GmbH', 'Ges.m.b.H.', 'AG', 'KG', 'OG'],
    streets: [
      'Mariahilfer Straße',
      'Getreidegasse',
      'Landstraße',
      'Herrengasse',
      'Maria-Theresien-Straße',
    ],
    countryName: 'Österreich',
  },
  CH: {
    key: 'CH',
    callingCode: '41',
    trunk: '0',
    landlineLength: 9,
    mobiles: [
      { prefix: '76', digits: 7 },
      { prefix: '77', digits: 7 },
      { prefix: '78', digits: 7 },
      { prefix: '79', digits: 7 },
    ],
    cities: [
      { name: 'Zürich', area: '44', postal: '80', weight: 6 },
      { name: 'Bern', area: '31', postal: '30', weight: 3 },
      { name: 'Basel', area: '61', postal: '40', weight: 3 },
      { name: 'Genève', area: '22', postal: '12', weight: 2 },
      { name: 'Lausanne', area: '21', postal: '10', weight: 2 },
      { name: 'Luzern', area: '41', postal: '60', weight: 2 },
      { name: 'St. Gallen', area: '71', postal: '90', weight: 1 },
      { name: 'Neuchâtel', area: '32', postal: '20', weight: 1 },
    ],
    firstNames: SWISS_FIRST,
    lastNames: SWISS_LAST,
    mailDomains: ['bluewin.ch', 'sunrise.ch', 'gmx.ch', 'gmail.com'],
    companySuffixes: ['AG', 'GmbH', 'SA', 'Sàrl'],
    streets: ['Bahnhofstrasse', 'Rue du Rhône', 'Marktgasse', 'Spalenberg', 'Avenue de la Gare'],
    countryName: 'Schweiz',
  },
  US: {
    key: 'US',
    callingCode: '1',
    trunk: '',
    landlineLength: 10,
    mobiles: [],
    cities: [
      { name: 'New York', area: '212', postal: '100', weight: 4 },
      { name: 'San Francisco', area: '415', postal: '941', weight: 2 },
      { name: 'Boston', area: '617', postal: '021', weight: 2 },
      { name: 'Chicago', area: '312', postal: '606', weight: 2 },
      { name: 'Seattle', area: '206', postal: '981', weight: 1 },
      { name: 'Austin', area: '512', postal: '787', weight: 1 },
    ],
    firstNames: US_FIRST,
    lastNames: US_LAST,
    mailDomains: ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'],
    companySuffixes: ['Inc.', 'LLC', 'Corp.', 'Co.'],
    streets: ['Main Street', 'Broadway', 'Market St', '5th Avenue', 'Elm Street'],
    countryName: 'USA',
  },
  UK: {
    key: 'UK',
    callingCode: '44',
    trunk: '0',
    landlineLength: 10,
    mobiles: [
      { prefix: '74', digits: 8 },
      { prefix: '75', digits: 8 },
      { prefix: '77', digits: 8 },
      { prefix: '78', digits: 8 },
      { prefix: '79', digits: 8 },
    ],
    cities: [
      { name: 'London', area: '20', postal: 'EC', weight: 5, lead: '78' },
      { name: 'Manchester', area: '161', postal: 'M', weight: 2 },
      { name: 'Edinburgh', area: '131', postal: 'EH', weight: 1, lead: '678' },
      { name: 'Birmingham', area: '121', postal: 'B', weight: 2, lead: '67' },
      { name: 'Bristol', area: '117', postal: 'BS', weight: 1, lead: '9' },
    ],
    firstNames: UK_FIRST,
    lastNames: UK_LAST,
    mailDomains: ['gmail.com', 'btinternet.com', 'outlook.com', 'yahoo.co.uk'],
    companySuffixes: ['Ltd', 'plc', 'LLP', '& Sons Ltd'],
    streets: ['High Street', 'Station Road', 'Church Lane', 'King’s Road', 'Victoria Street'],
    countryName: 'United Kingdom',
  },
};

/** Share of each country among contacts. */
export const COUNTRY_WEIGHTS: readonly [CountryKey, number][] = [
  ['DE', 70],
  ['AT', 12],
  ['CH', 10],
  ['US', 4],
  ['UK', 4],
];

/** Words companies are named after, besides family names. */
// prettier-ignore
export const COMPANY_WORDS = [
  'Alpen', 'Süddeutsche', 'Bayerische', 'Nord', 'Isar', 'Main', 'Rhein', 'Donau', 'Elbe',
  'Präzisions', 'Stahl', 'Glas', 'Holz', 'Papier', 'Druck', 'Medien', 'Software', 'Daten',
  'Energie', 'Solar', 'Bau', 'Immobilien', 'Logistik', 'Spedition', 'Maschinen', 'Elektro',
  'Sanitär', 'Heizungs', 'Kälte', 'Messtechnik', 'Werkzeug', 'Optik', 'Brauerei', 'Bäckerei',
  'Metzgerei', 'Autohaus', 'Reisebüro', 'Steuerberatung', 'Zahnarztpraxis', 'Apotheke',
  'Blumen', 'Café', 'Crêperie', 'Weißbräu', 'Möbel', 'Schuh', 'Straßenbau', 'Fenster',
];

// prettier-ignore
export const COMPANY_TRADES = [
  'technik', 'werk', 'bau', 'handel', 'service', 'systeme', 'consulting', 'logistik', 'vertrieb',
];

// prettier-ignore
export const DEPARTMENTS = [
  'Vertrieb', 'Einkauf', 'Buchhaltung', 'Personal', 'Geschäftsführung', 'Entwicklung',
  'Kundendienst', 'Lager', 'Marketing', 'IT', 'Logistik', 'Qualitätssicherung', 'Rechtsabteilung',
  'Empfang', 'Produktion', 'Außendienst', 'Sales', 'Support', 'Finance', 'Engineering',
];

// prettier-ignore
export const JOB_TITLES = [
  'Geschäftsführer', 'Geschäftsführerin', 'Sachbearbeiter', 'Sachbearbeiterin', 'Teamleiter',
  'Abteilungsleiterin', 'Assistenz der Geschäftsleitung', 'Key Account Manager', 'Prokurist',
  'Ingenieur', 'Entwicklerin', 'Werkstudent', 'Head of Sales', 'Office Manager',
];

export const TITLES = ['Dr.', 'Prof. Dr.', 'Dipl.-Ing.', 'Mag.', 'Dr. med.'];

/** Phone values people type that hold no usable number. */
// prettier-ignore
export const JUNK_NUMBERS = [
  'n/a', 'k.A.', 'folgt', '---', '0', '?', 'siehe Zentrale', '+49 89', '0000', '12', 'Tel.',
  '+49 89 1234 5678 9999 1234', 'keine', 'privat', 'ABC-DEF', '-',
];
